import { Body, Controller, Delete, Get, HttpCode, Patch, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Authenticate } from '@leasehold/auth';
import { CatalogService, FeatureView, ProductView } from '@leasehold/domain-catalog';
import { IdParam, IdempotentWrites } from '@leasehold/http';
import { Page, paginate } from '@leasehold/db';
import { VendorErrors } from '../error-responses';
import {
  CreateFeatureDto,
  CreateProductDto,
  FeatureDto,
  FeatureListQueryDto,
  FeaturePageDto,
  ProductDto,
  ProductListQueryDto,
  ProductPageDto,
  UpdateFeatureDto,
  UpdateProductDto,
} from './products.dto';

@ApiTags('products')
@Authenticate('vendor-key')
@VendorErrors()
@IdempotentWrites()
@Controller('v1/products')
export class ProductsController {
  constructor(private readonly catalog: CatalogService) {}

  @Get()
  @ApiOkResponse({ type: ProductPageDto })
  async list(@Query() query: ProductListQueryDto): Promise<Page<ProductView>> {
    return paginate(query, (window) => this.catalog.listProducts({ search: query.search, ...window }));
  }

  @Post()
  @ApiCreatedResponse({ type: ProductDto })
  @VendorErrors(409)
  create(@Body() body: CreateProductDto): Promise<ProductView> {
    return this.catalog.createProduct(body);
  }

  @Get(':productId')
  @ApiOkResponse({ type: ProductDto })
  get(@IdParam('productId') productId: string): Promise<ProductView> {
    return this.catalog.getProduct(productId);
  }

  @Patch(':productId')
  @ApiOkResponse({ type: ProductDto })
  @VendorErrors(409)
  update(@IdParam('productId') productId: string, @Body() body: UpdateProductDto): Promise<ProductView> {
    return this.catalog.updateProduct(productId, body);
  }

  @Delete(':productId')
  @HttpCode(204)
  @ApiNoContentResponse()
  @VendorErrors(409)
  remove(@IdParam('productId') productId: string): Promise<void> {
    return this.catalog.deleteProduct(productId);
  }

  @Get(':productId/features')
  @ApiOkResponse({ type: FeaturePageDto })
  async listFeatures(
    @IdParam('productId') productId: string,
    @Query() query: FeatureListQueryDto,
  ): Promise<Page<FeatureView>> {
    return paginate(query, (window) =>
      this.catalog.listFeatures(productId, {
        kind: query.kind,
        search: query.search,
        ...window,
      }),
    );
  }

  @Post(':productId/features')
  @ApiCreatedResponse({ type: FeatureDto })
  @VendorErrors(409)
  createFeature(@IdParam('productId') productId: string, @Body() body: CreateFeatureDto): Promise<FeatureView> {
    return this.catalog.createFeature(productId, body);
  }

  @Get(':productId/features/:featureId')
  @ApiOkResponse({ type: FeatureDto })
  getFeature(@IdParam('productId') productId: string, @IdParam('featureId') featureId: string): Promise<FeatureView> {
    return this.catalog.getFeature(productId, featureId);
  }

  @Patch(':productId/features/:featureId')
  @ApiOkResponse({ type: FeatureDto })
  @VendorErrors(409)
  updateFeature(
    @IdParam('productId') productId: string,
    @IdParam('featureId') featureId: string,
    @Body() body: UpdateFeatureDto,
  ): Promise<FeatureView> {
    return this.catalog.updateFeature(productId, featureId, body);
  }

  @Delete(':productId/features/:featureId')
  @HttpCode(204)
  @ApiNoContentResponse()
  removeFeature(@IdParam('productId') productId: string, @IdParam('featureId') featureId: string): Promise<void> {
    return this.catalog.deleteFeature(productId, featureId);
  }
}
