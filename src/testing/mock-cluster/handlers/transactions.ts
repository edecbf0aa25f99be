import type { ApiHandler } from '../handler.js';
import { addOffsetsToTxnHandler } from './add-offsets-to-txn.js';
import { addPartitionsToTxnHandler } from './add-partitions-to-txn.js';
import { endTxnHandler } from './end-txn.js';
import { initProducerIdHandler } from './init-producer-id.js';
import { txnOffsetCommitHandler } from './txn-offset-commit.js';

export const transactionHandlers: readonly ApiHandler[] = [
  initProducerIdHandler,
  addPartitionsToTxnHandler,
  addOffsetsToTxnHandler,
  txnOffsetCommitHandler,
  endTxnHandler,
] as ApiHandler[];
