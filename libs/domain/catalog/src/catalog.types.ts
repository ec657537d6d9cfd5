export type FeatureKind = 'MODULE' | 'OPTION';

export interface ProductView {
  id: string;
  code: string;
  name: string;
  description: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface FeatureView {
  id: string;
  productId: string;
  code: string;
  name: string;
  kind: FeatureKind;
  description: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface ProductFilter {
  /** Case-insensitive substring of code or name. */
  search?: string;
  take: number;
  cursor?: string;
}

export interface FeatureFilter {
  kind?: FeatureKind;
  search?: string;
  take: number;
  cursor?: string;
}
