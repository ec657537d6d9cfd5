export interface VendorView {
  id: string;
  slug: string;
  name: string;
  status: 'ACTIVE' | 'SUSPENDED';
  createdAt: Date;
}

export interface CreateVendorCommand {
  slug: string;
  name: string;
  /** Name of the first API key, created with the vendor. */
  firstApiKeyName?: string;
}
