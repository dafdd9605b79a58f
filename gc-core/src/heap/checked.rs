//! The checked operations the mutator side uses (the [`crate::Runtime`] behind
//! [`crate::Mutator`]): every slot, field and payload range is checked and every reference
//! taken from a slot or field is tested to be allocated, so a bad operation is a
//! [`crate::GcError`] naming the problem, never a panic or undefined behaviour.

use super::*;

impl Heap {
    /// Whether `r` is an allocated object.
    #[inline]
    pub fn is_allocated(&self, r: ObjRef) -> bool {
        self.space.is_allocated(r)
    }

    /// `Ok(r)` if `r` addresses an allocated object, else the use-after-free error naming
    /// it. This is the cheap check the mutator operations use on references taken from slots
    /// and fields (which always point at cell starts); [`Heap::is_allocated`] is the exact
    /// test for references of unknown origin.
    #[inline]
    pub fn check(&self, r: ObjRef) -> GcResult<ObjRef> {
        match self.space.try_words(r) {
            Some(w) if !w.is_empty() && layout::flags_of(w[0]) & FLAG_ALLOCATED != 0 => Ok(r),
            _ => Err(GcError::UseAfterFree { obj: r.raw() }),
        }
    }

    /// Field `i` (checked against the shape).
    #[inline]
    pub fn field(&self, r: ObjRef, i: usize) -> GcResult<Option<ObjRef>> {
        let f = self.fields(r);
        match f.get(i) {
            Some(&raw) => Ok(ObjRef::from_raw(raw)),
            None => Err(GcError::BadField {
                obj: r.raw(),
                field: i,
                fields: f.len(),
            }),
        }
    }

    /// Stores into field `i` without barriers; returns the old value.
    #[inline]
    pub fn replace_field(
        &mut self,
        r: ObjRef,
        i: usize,
        v: Option<ObjRef>,
    ) -> GcResult<Option<ObjRef>> {
        let f = self.fields_mut(r);
        let fields = f.len();
        match f.get_mut(i) {
            Some(slot) => Ok(ObjRef::from_raw(std::mem::replace(slot, crate::raw_of(v)))),
            None => Err(GcError::BadField {
                obj: r.raw(),
                field: i,
                fields,
            }),
        }
    }

    /// Checks `r` is allocated and stores into its field `i` without barriers, with one
    /// look-up of the object; returns the old value. Errors as [`Heap::check`] and then
    /// [`Heap::replace_field`] would.
    #[inline]
    pub fn check_replace_field(
        &mut self,
        r: ObjRef,
        i: usize,
        v: Option<ObjRef>,
    ) -> GcResult<Option<ObjRef>> {
        let fa = self.fields_at;
        let w = match self.space.try_words_mut(r) {
            Some(w) if !w.is_empty() && layout::flags_of(w[0]) & FLAG_ALLOCATED != 0 => w,
            _ => return Err(GcError::UseAfterFree { obj: r.raw() }),
        };
        let fields = layout::fields_of(w[0]);
        if i >= fields {
            return Err(GcError::BadField {
                obj: r.raw(),
                field: i,
                fields,
            });
        }
        Ok(ObjRef::from_raw(std::mem::replace(
            &mut w[fa + i],
            crate::raw_of(v),
        )))
    }

    /// Reads payload bytes `offset..offset + out.len()`.
    pub fn read_payload(&self, r: ObjRef, offset: usize, out: &mut [u8]) -> GcResult<()> {
        let w = self.space.words(r);
        let len = w[1] as usize;
        let end = offset.saturating_add(out.len());
        if end > len {
            return Err(GcError::BadPayload {
                obj: r.raw(),
                offset,
                end,
                len,
            });
        }
        let base = self.fields_at + layout::fields_of(w[0]);
        for (i, byte) in out.iter_mut().enumerate() {
            let b = offset + i;
            *byte = (w[base + b / 4] >> (8 * (b % 4))) as u8;
        }
        Ok(())
    }

    /// Writes payload bytes at `offset`.
    pub fn write_payload(&mut self, r: ObjRef, offset: usize, data: &[u8]) -> GcResult<()> {
        let fa = self.fields_at;
        let w = self.space.words_mut(r);
        let len = w[1] as usize;
        let end = offset.saturating_add(data.len());
        if end > len {
            return Err(GcError::BadPayload {
                obj: r.raw(),
                offset,
                end,
                len,
            });
        }
        let base = fa + layout::fields_of(w[0]);
        for (i, &byte) in data.iter().enumerate() {
            let b = offset + i;
            let word = &mut w[base + b / 4];
            let shift = 8 * (b % 4);
            *word = (*word & !(0xFF << shift)) | ((byte as u32) << shift);
        }
        Ok(())
    }

    /// Moves the references in slots `sources` into the first fields of the new object `r`
    /// (which has at least that many fields, all null), leaving the slots null: one look-up
    /// of the object for all of them. Counts and barriers are the caller's.
    #[inline]
    pub fn move_slots_into_fields(&mut self, r: ObjRef, sources: &[Slot]) -> GcResult<()> {
        let fa = self.fields_at;
        let count = self.slots.len();
        let fields = &mut self.space.words_mut(r)[fa..fa + sources.len()];
        for (field, &src) in fields.iter_mut().zip(sources) {
            match self.slots.get_mut(src) {
                Some(slot) => *field = std::mem::replace(slot, NULL),
                None => return Err(GcError::BadSlot { slot: src, count }),
            }
        }
        Ok(())
    }

    /// Root slots reserved.
    #[inline]
    pub fn slot_count(&self) -> usize {
        self.slots.len()
    }

    /// Reserves slots so that at least `count` exist (new ones are null).
    pub fn reserve_slots(&mut self, count: usize) -> GcResult<()> {
        if count > self.max_slots {
            return Err(GcError::BadConfig(format!(
                "{count} root slots requested, at most {} allowed",
                self.max_slots
            )));
        }
        if count > self.slots.len() {
            self.slots.resize(count, NULL);
        }
        Ok(())
    }

    /// The reference in slot `s`.
    #[inline]
    pub fn slot(&self, s: Slot) -> GcResult<Option<ObjRef>> {
        match self.slots.get(s) {
            Some(&raw) => Ok(ObjRef::from_raw(raw)),
            None => Err(GcError::BadSlot {
                slot: s,
                count: self.slots.len(),
            }),
        }
    }

    /// The non-null object in slot `s`, checked to be allocated.
    #[inline]
    pub fn slot_object(&self, s: Slot) -> GcResult<ObjRef> {
        match self.slot(s)? {
            Some(r) => self.check(r),
            None => Err(GcError::NullSlot { slot: s }),
        }
    }

    /// Stores into slot `s` without barriers; returns the old value.
    #[inline]
    pub fn replace_slot(&mut self, s: Slot, v: Option<ObjRef>) -> GcResult<Option<ObjRef>> {
        let count = self.slots.len();
        match self.slots.get_mut(s) {
            Some(slot) => Ok(ObjRef::from_raw(std::mem::replace(slot, crate::raw_of(v)))),
            None => Err(GcError::BadSlot { slot: s, count }),
        }
    }
}
