// @leasehold/domain-seats/testing: for tests only (this library's own, and the apps' through
// @leasehold/testing), kept out of the library's main entry point so production code cannot use it.
export { insertLicenseRows, LicenseRows, LicenseRowsOptions } from './license-rows';
