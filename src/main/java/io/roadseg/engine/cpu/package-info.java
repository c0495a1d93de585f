/**
 * The CPU backend on ONNX Runtime's Java API: the embedded default that runs everywhere. Every ONNX Runtime type
 * stays inside this package. Inputs and outputs are bound once per ring slot to the slot's direct buffers
 * (pinned outputs), so a run copies nothing and allocates only ONNX Runtime's small per-call result object.
 */
package io.roadseg.engine.cpu;
