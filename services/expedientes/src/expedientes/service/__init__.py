"""Use cases of the expedientes service, one module per group; the caller owns the transaction."""
