"""The routing domain: road networks imported from OpenStreetMap and travel-time queries over them."""
