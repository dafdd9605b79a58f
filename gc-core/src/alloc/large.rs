//! The large-object space: objects over the small limit, each its own system allocation.

/// Large objects, each a boxed slice from the system allocator, indexed by a side table.
#[derive(Debug, Default)]
pub struct LargeSpace {
    /// The objects; an empty slice marks a free index.
    pub(crate) objects: Vec<Box<[u32]>>,
    free_indices: Vec<u32>,
    /// Objects currently allocated.
    pub(crate) count: usize,
}

impl LargeSpace {
    /// Allocates a zeroed object of `words` words; returns its index.
    pub fn alloc(&mut self, words: usize) -> Option<u32> {
        let memory = vec![0u32; words].into_boxed_slice();
        self.count += 1;
        if let Some(i) = self.free_indices.pop() {
            self.objects[i as usize] = memory;
            Some(i)
        } else if self.objects.len() < (1usize << 31) - 1 {
            self.objects.push(memory);
            Some((self.objects.len() - 1) as u32)
        } else {
            self.count -= 1;
            None
        }
    }

    /// Frees the object at `index`, returning its size in bytes.
    pub fn free(&mut self, index: u32) -> usize {
        let bytes = self.objects[index as usize].len() * 4;
        self.objects[index as usize] = Box::new([]);
        self.free_indices.push(index);
        self.count -= 1;
        bytes
    }

    /// The object's words, if `index` holds one.
    pub fn get(&self, index: u32) -> Option<&[u32]> {
        self.objects
            .get(index as usize)
            .map(|b| &b[..])
            .filter(|w| !w.is_empty())
    }

    /// Bytes of the object at `index` (0 if none).
    pub fn bytes(&self, index: u32) -> usize {
        self.get(index).map_or(0, |w| w.len() * 4)
    }

    /// Calls `f` with the index of every allocated large object.
    pub fn for_each_object(&self, mut f: impl FnMut(u32)) {
        for (i, o) in self.objects.iter().enumerate() {
            if !o.is_empty() {
                f(i as u32);
            }
        }
    }

    /// Calls `f` with the index of every allocated object among indices `indices`.
    pub fn for_each_object_in(&self, indices: std::ops::Range<usize>, mut f: impl FnMut(u32)) {
        let end = indices.end.min(self.objects.len());
        for i in indices.start..end {
            if !self.objects[i].is_empty() {
                f(i as u32);
            }
        }
    }

    /// One past the largest index ever handed out.
    pub fn index_bound(&self) -> usize {
        self.objects.len()
    }
}
