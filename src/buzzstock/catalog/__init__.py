"""Catalogue: regions, markets, SKUs, warehouses and sales channels."""
