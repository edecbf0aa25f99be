/**
 * `rxkafka/testing`: helpers for testing code built on rxkafka. The in-process MockCluster
 * joins this entry point; the marble-test helper is here already.
 */
export { createMarbleScheduler } from './marble-scheduler.js';
