import { Admin, Producer } from '@platformatic/kafka';

const mode = process.argv[2];
if (mode === 'open') {
  const admin = new Admin({ clientId: 'a', bootstrapBrokers: ['127.0.0.1:25000'] });
  try {
    await admin.createTopics({ topics: ['tt'], partitions: 1, replicas: 1 });
  } catch {}
  await admin.close();
  const p = new Producer({
    clientId: 'x',
    bootstrapBrokers: ['127.0.0.1:25000'],
    idempotent: true,
    transactionalId: 'tx-open',
  });
  const t = await p.beginTransaction();
  await t.send({ messages: [{ topic: 'tt', value: Buffer.from('a') }] });
  console.log('open txn left');
  process.exit(0);
}
const p = new Producer({
  clientId: 'x',
  bootstrapBrokers: ['127.0.0.1:25000'],
  idempotent: true,
  transactionalId: 'tx-open',
  retries: 3,
});
for (let i = 0; i < 6; i++) {
  try {
    const t = await p.beginTransaction();
    await t.send({ messages: [{ topic: 'tt', value: Buffer.from('b') }] });
    await t.commit();
    console.log('ok', i);
    break;
  } catch (e) {
    console.log(
      'fail',
      i,
      e.message,
      JSON.stringify(e.errors?.map((x) => [x.message, x.errors?.map((y) => y.message)])),
    );
    await new Promise((r) => setTimeout(r, 2000));
  }
}
await p.close();
