import { it } from 'vitest';
import { cooperativeStickyAssignor as a, memberGeneration, roundRobinAssignor } from '../../../src/consumer/assignors/index.js';
import { stickyAssign } from '../../../src/consumer/assignors/sticky.js';
import { afterRound, member, mulberry32, randomInt, names } from './support.js';
it('debug', () => {
  const random = mulberry32(132);
  // replicate churned(random, false)
  const topics = Array.from({ length: randomInt(random, 1, 5) }, (_, i) => `topic-${i}`);
  const ppt = new Map(topics.map((t) => [t, randomInt(random, 1, 12)]));
  const subset = (): string[] => { const picked = topics.filter(() => random() < 0.6); return picked.length > 0 ? picked : [topics[randomInt(random, 0, topics.length - 1)]]; };
  const shared = [...topics, 'no-metadata'];
  const ids = new Set<string>();
  while (ids.size < randomInt(random, 1, 9)) ids.add(`consumer-${Math.floor(random() * 1e9).toString(36)}`);
  const ms = [...ids].map((id) => member(id, { topics: subset(), instance: random() < 0.3 ? `instance-${Math.floor(random() * 100)}` : null }));
  const prev = roundRobinAssignor.assign(ms, ppt);
  const gen = randomInt(random, 1, 20);
  const stayed = afterRound(ms, prev, gen).filter(() => random() < 0.75);
  const joined = Array.from({ length: randomInt(random, 0, 3) }, (_, i) => member(`joined-${i}`, { topics: ms[0].topics }));
  const g = [...stayed, ...joined];
  console.log(ppt, g.map(m => [m.memberId, m.topics.join(','), m.ownedPartitions.map(p => p.topic.slice(-1) + 'p' + p.partition).join(' ')]));
  const eager = (mm: typeof g) => names(stickyAssign(mm.map((m) => ({ memberId: m.memberId, topics: new Set(m.topics), ownedPartitions: m.ownedPartitions, generation: memberGeneration(m) })), ppt).assignment);
  console.log('eager1', eager(g));
  const r1 = a.assign(g, ppt); console.log('r1', names(r1));
  const g2 = afterRound(g, r1, 100);
  console.log('eager2', eager(g2));
  const r2 = a.assign(g2, ppt); console.log('r2', names(r2));
});
