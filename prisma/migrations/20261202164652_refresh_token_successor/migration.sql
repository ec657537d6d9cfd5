-- The token that replaced a refresh token (set when it is used): the reuse grace
-- (PORTAL_REFRESH_REUSE_GRACE_SECONDS) answers a used token presented again only while this
-- successor was never used. Nullable, no default: adding it rewrites nothing. Tokens used before
-- this migration have none, so a retry of one of them is reuse, as it always was.

-- AlterTable
ALTER TABLE "refresh_tokens" ADD COLUMN     "replacedById" UUID;
