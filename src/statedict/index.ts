// State-dict operations joining the engine and the formats layer: conversion, loading into a model with
// PyTorch's report, export planning, and undoable edits. Writing files is in export-node.ts (Node only).
export * from './convert';
export * from './edits';
export * from './editor';
export * from './export';
export * from './load';
export { parseIndex, formatIndex, SliceSyntaxError } from './slice';
export type { IndexPart } from './slice';
