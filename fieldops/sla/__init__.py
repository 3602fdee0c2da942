"""Service level agreements: due times from each service type's target and business calendar."""
