"""Test data files that migrate with the code: VCR-style cassettes (vcrpy, pytest-recording,
betamax) and JSON fixtures. `rewrite.rewrite_data_file` is the entry point the codemod's runner
calls for each one, as it calls `codemod.requirements` for dependency files."""
