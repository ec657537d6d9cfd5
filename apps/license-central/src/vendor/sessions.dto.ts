import { PageQueryDto } from '@leasehold/db';

/** The vendor lists live leases page by page (routes `…/sessions`: in paths, a session is a live lease). */
export class LiveLeaseQueryDto extends PageQueryDto {}
