"""Use cases of the pases service, one module per group; the caller owns the transaction."""
