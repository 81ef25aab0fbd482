"""Other ways to run a fitted ArgumentModel's encoder: ONNX Runtime and int8 Linear layers."""
