"""Matrix-free closed-form matting in torch: the matting Laplacian applied with
box filters, a preconditioned conjugate-gradient solver, and the coarse-to-fine
tile solve built on them.  No Qt, no pymatting."""
