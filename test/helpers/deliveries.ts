/** A received delivery to insert straight into a store (fixtures for store, deliveries and replay tests). */
import type { NewDelivery } from '../../src/core/store/types.js';

export function newDelivery(over: Partial<NewDelivery> = {}): NewDelivery {
  return {
    deliveryId: '6c1a0f00-0000-4000-8000-000000000001',
    event: 'pull_request',
    action: 'opened',
    rawHeaders: ['Host', '127.0.0.1:5000', 'X-GitHub-Event', 'pull_request', 'x-custom', 'Keep Case'],
    body: Buffer.from('{"action":"opened","x":1}'),
    receivedAt: new Date('2026-11-22T10:00:00.000Z'),
    remoteAddress: '127.0.0.1',
    path: '/webhooks',
    url: 'http://127.0.0.1:5000/webhooks',
    signature: 'valid',
    signatureReason: null,
    signatureAlgorithm: 'sha256',
    status: 200,
    repository: 'octo-org/octo-repo',
    sender: 'monalisa',
    ...over,
  };
}
