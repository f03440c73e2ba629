// Re-exports of the protocol modules.
export * from './engine';
