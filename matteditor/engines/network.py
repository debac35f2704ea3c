"""Network engines (Deep Image Matting and the fusion variant) -- filled in by the nn work."""
