//! The live chunks of one arena of either exact Netty pool (4.1.48's [`crate::netty41`] and
//! 4.1.118's [`crate::netty4118`]), pooled and huge, in slots that are reused once a chunk is
//! destroyed, with memsim's running sums over them (their sizes and touched bytes) and the
//! created/destroyed counts. The chunks themselves (buddy tree or runs) stay version-specific.

use crate::pooled::ChunkBytes;

/// What the slab reads of a chunk to keep its sums.
pub(crate) trait SlabChunk {
    /// The chunk's bytes (`chunkSize`, or a huge buffer's exact size).
    fn size(&self) -> u64;
    /// Bytes of the pages ever handed out of it (memsim's resident estimate).
    fn touched_bytes(&self) -> u64;
}

/// An arena's chunk slab; a chunk's slot is stable while it lives (`Chunk::seq` is the stable
/// creation number).
#[derive(Debug, Clone)]
pub(crate) struct ChunkSlab<C> {
    slots: Vec<Option<C>>,
    free_slots: Vec<u32>,
    // memsim's sums over the live chunks: sizes (pooled + huge) and touched bytes.
    // Invariant: equal to `bytes_recounted` (checked by `check`).
    bytes: ChunkBytes,
    created: u64,
    destroyed: u64,
}

impl<C> Default for ChunkSlab<C> {
    fn default() -> ChunkSlab<C> {
        ChunkSlab {
            slots: Vec::new(),
            free_slots: Vec::new(),
            bytes: ChunkBytes::default(),
            created: 0,
            destroyed: 0,
        }
    }
}

impl<C: SlabChunk> ChunkSlab<C> {
    /// The live chunk in `slot` (panics on a dead slot: a bug of the caller).
    pub(crate) fn get(&self, slot: u32) -> &C {
        self.slots[slot as usize].as_ref().expect("live chunk slot")
    }

    /// The live chunk in `slot`, mutably; a change of its touched bytes must be reported with
    /// [`ChunkSlab::carry_touched`].
    pub(crate) fn get_mut(&mut self, slot: u32) -> &mut C {
        self.slots[slot as usize].as_mut().expect("live chunk slot")
    }

    /// Adds a new chunk (counted as created) in the slot freed last, else a new one.
    pub(crate) fn insert(&mut self, chunk: C) -> u32 {
        self.bytes.size += chunk.size();
        self.bytes.touched += chunk.touched_bytes();
        self.created += 1;
        match self.free_slots.pop() {
            Some(s) => {
                self.slots[s as usize] = Some(chunk);
                s
            }
            None => {
                self.slots.push(Some(chunk));
                self.slots.len() as u32 - 1
            }
        }
    }

    /// Removes the live chunk in `slot` (counted as destroyed); its slot will be reused.
    pub(crate) fn remove(&mut self, slot: u32) -> C {
        let c = self.slots[slot as usize].take().expect("live chunk");
        self.free_slots.push(slot);
        self.bytes.size -= c.size();
        self.bytes.touched -= c.touched_bytes();
        self.destroyed += 1;
        c
    }

    /// Carries the growth of the chunk in `slot`'s touched bytes since they were `before` into the
    /// sums.
    pub(crate) fn carry_touched(&mut self, slot: u32, before: u64) {
        self.bytes.touched += self.get(slot).touched_bytes() - before;
    }

    /// The live chunks, by slot.
    pub(crate) fn live(&self) -> impl Iterator<Item = &C> {
        self.slots.iter().flatten()
    }

    /// Bytes of the live chunks and of the pages ever handed out of them, as the sums keep them.
    #[inline]
    pub(crate) fn bytes(&self) -> ChunkBytes {
        self.bytes
    }

    /// The same, summed afresh over the live chunks (for checks).
    pub(crate) fn bytes_recounted(&self) -> ChunkBytes {
        self.live()
            .map(|c| ChunkBytes {
                size: c.size(),
                touched: c.touched_bytes(),
            })
            .sum()
    }

    /// Chunks (pooled and huge) created and destroyed so far.
    pub(crate) fn created_destroyed(&self) -> (u64, u64) {
        (self.created, self.destroyed)
    }

    /// Checks the sums against the live chunks; `arena` names the arena in the error.
    ///
    /// # Errors
    /// A description of the drift (a bug).
    pub(crate) fn check(&self, arena: u32) -> Result<(), String> {
        let ChunkBytes { size, touched } = self.bytes_recounted();
        if size != self.bytes.size || touched != self.bytes.touched {
            return Err(format!(
                "arena {arena} sums drifted: chunks {size} vs {}, touched {touched} vs {}",
                self.bytes.size, self.bytes.touched
            ));
        }
        Ok(())
    }
}
