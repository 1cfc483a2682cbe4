"""The war room: the web app sellers live in (templates, vendored static assets, translation
catalogues), served by `buzzstock serve` beside the API."""
