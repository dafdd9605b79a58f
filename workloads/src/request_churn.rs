//! `request-churn`: an HTTP client object graph with reference cycles per request, holding
//! large response buffers, beside a steady long-lived population: the shape of the
//! reproduction that got CPython 3.14's incremental collector reverted.

use gc_core::{GcResult, Mutator, Shape, Slot};
use rand::{Rng, RngCore};

use crate::support::{clear_all, rng, Table};
use crate::Expectations;

crate::workload! {
    name: "request-churn",
    description: "per request, a client graph with reference cycles (client, session, pool, \
        connections, callbacks) holding large response buffers, beside a steady long-lived \
        population: the shape that got CPython 3.14's incremental collector reverted",
    /// First `live_objects` long-lived records (a record and a leaf each) are built in a
    /// table: the old generation a long-running server has. Then `requests` requests run one
    /// after another. Each makes `temporaries` short-lived acyclic objects, then a client
    /// graph as an HTTP client library builds one: a client referring to its session, its
    /// connection pool and `callbacks` callbacks; the session referring back to the client
    /// and to the pool; the pool referring back to the session and to `connections`
    /// connections; each connection referring back to the pool and holding a response
    /// buffer of `buffer_bytes` bytes (a large object when over 512), reachable only
    /// through the cycle; each callback referring back to the client. The client stays in
    /// a ring of `in_flight` places (requests in flight) and becomes garbage, a cycle only
    /// a cycle collector frees, when a later request takes its place. Each request also
    /// replaces `replacements` long-lived records chosen by the seed (the old record and
    /// its leaf die by counting).
    ///
    /// Ends with the ring emptied (every client graph garbage) and the records rooted.
    pub struct RequestChurn {
        /// Requests made.
        requests: u64 = 50_000, small 300;
        /// Requests in flight at once (a new one drops the oldest).
        in_flight: u64 = 8, small 4, in 1..=Shape::MAX_FIELDS as u64;
        /// Connections in each client's pool, each holding one response buffer.
        connections: u64 = 2, in 0..=1000;
        /// Callbacks (event hooks) each client holds; each refers back to the client.
        callbacks: u64 = 2, in 0..=1000;
        /// Bytes in each response buffer.
        buffer_bytes: u32 = 16 * 1024, small 1024, in ..=1 << 30;
        /// Short-lived acyclic objects each request makes and drops.
        temporaries: u64 = 16, small 4;
        /// Long-lived records (each a record and a leaf) alive throughout.
        live_objects: u64 = 100_000, small 500, in 1..=Table::MAX_LEN;
        /// Long-lived records each request replaces.
        replacements: u64 = 1;
        /// Payload bytes of every small object.
        payload: u32 = 64, in ..=512;
    }
}

/// Client fields: the session, the pool, then the callbacks.
const CLIENT_SESSION: usize = 0;
const CLIENT_POOL: usize = 1;
const CLIENT_CALLBACKS: usize = 2;
/// Session fields.
const SESSION_CLIENT: usize = 0;
const SESSION_POOL: usize = 1;
/// Pool fields: the session, then the connections.
const POOL_SESSION: usize = 0;
const POOL_CONNECTIONS: usize = 1;
/// Connection fields.
const CONNECTION_POOL: usize = 0;
const CONNECTION_BUFFER: usize = 1;

impl RequestChurn {
    /// Objects of one client graph: client, session, pool, the connections with their
    /// buffers, the callbacks.
    fn client_objects(&self) -> u64 {
        3 + 2 * self.connections + self.callbacks
    }

    /// Counts implied by the parameters.
    pub fn expectations(&self) -> Expectations {
        let live_at_end = 1 + Table::objects(self.live_objects) + 2 * self.live_objects;
        let per_request = self.temporaries + self.client_objects() + 2 * self.replacements;
        Expectations {
            allocated: live_at_end + self.requests * per_request,
            live_at_end,
            cyclic_garbage: self.requests * self.client_objects(),
        }
    }

    /// Runs the workload.
    pub fn run<M: Mutator + ?Sized>(&self, m: &mut M, seed: u64) -> GcResult<()> {
        const RING: Slot = 0;
        const SPINE: Slot = 1;
        const SCRATCH: Slot = 2;
        const CLIENT: Slot = 3;
        const SESSION: Slot = 4;
        const POOL: Slot = 5;
        const PART: Slot = 6;
        const BUFFER: Slot = 7;
        const RECORD: Slot = 8;
        const LEAF: Slot = 9;
        const TEMP: Slot = 10;
        m.reserve_slots(11)?;
        let mut rng = rng(seed);
        m.alloc(RING, Shape::new(self.in_flight as u32, 0))?;
        let records = Table::build(m, SPINE, SCRATCH, self.live_objects)?;
        for index in 0..self.live_objects {
            self.record(m, &records, index, RECORD, LEAF)?;
        }
        for request in 0..self.requests {
            for _ in 0..self.temporaries {
                m.alloc(TEMP, Shape::new(1, self.payload))?;
            }
            m.clear(TEMP)?;
            self.client(m, &mut rng, [CLIENT, SESSION, POOL, PART, BUFFER])?;
            m.store(RING, (request % self.in_flight) as usize, Some(CLIENT))?;
            clear_all(m, &[CLIENT, SESSION, POOL, PART, BUFFER])?;
            for _ in 0..self.replacements {
                let index = rng.gen_range(0..self.live_objects);
                self.record(m, &records, index, RECORD, LEAF)?;
            }
        }
        for place in 0..self.in_flight {
            m.store(RING, place as usize, None)?;
        }
        records.release_scratch(m)
    }

    /// A record with its leaf at `records[index]`, replacing whatever was there.
    fn record<M: Mutator + ?Sized>(
        &self,
        m: &mut M,
        records: &Table,
        index: u64,
        record: Slot,
        leaf: Slot,
    ) -> GcResult<()> {
        m.alloc(record, Shape::new(1, self.payload))?;
        m.alloc(leaf, Shape::new(0, self.payload))?;
        m.store(record, 0, Some(leaf))?;
        records.set(m, index, Some(record))?;
        clear_all(m, &[record, leaf])
    }

    /// Builds one client graph, the client left in `slots[0]`.
    fn client<M: Mutator + ?Sized>(
        &self,
        m: &mut M,
        rng: &mut impl RngCore,
        [client, session, pool, part, buffer]: [Slot; 5],
    ) -> GcResult<()> {
        let callbacks = self.callbacks as u32;
        m.alloc(
            client,
            Shape::new(CLIENT_CALLBACKS as u32 + callbacks, self.payload),
        )?;
        m.alloc(session, Shape::new(2, self.payload))?;
        m.alloc(
            pool,
            Shape::new(
                POOL_CONNECTIONS as u32 + self.connections as u32,
                self.payload,
            ),
        )?;
        m.store(client, CLIENT_SESSION, Some(session))?;
        m.store(client, CLIENT_POOL, Some(pool))?;
        m.store(session, SESSION_CLIENT, Some(client))?;
        m.store(session, SESSION_POOL, Some(pool))?;
        m.store(pool, POOL_SESSION, Some(session))?;
        for c in 0..self.connections as usize {
            m.alloc(part, Shape::new(2, self.payload))?;
            m.alloc(buffer, Shape::new(0, self.buffer_bytes))?;
            if self.buffer_bytes >= 8 {
                m.write_payload(buffer, 0, &rng.next_u64().to_le_bytes())?;
            }
            m.store(part, CONNECTION_POOL, Some(pool))?;
            m.store(part, CONNECTION_BUFFER, Some(buffer))?;
            m.store(pool, POOL_CONNECTIONS + c, Some(part))?;
        }
        for c in 0..callbacks as usize {
            m.alloc(part, Shape::new(1, self.payload))?;
            m.store(part, 0, Some(client))?;
            m.store(client, CLIENT_CALLBACKS + c, Some(part))?;
        }
        Ok(())
    }
}
