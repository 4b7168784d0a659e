# Test setup only: the real tree's S3 backend becomes a local one (state/<env>.tfstate,
# set by env/<env>.backend.hcl here), so releases run offline.
terraform {
  backend "local" {}
}
