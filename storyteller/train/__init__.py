"""Training tools: skip-thoughts, the conditional decoder, the visual-semantic embedding, style vectors.

Every trainer writes the converted format that :func:`storyteller.generate.load_all` reads (safetensors +
JSON), checkpoints periodically, resumes with ``resume=True``, is seeded, and reports a held-out metric per epoch.
"""
