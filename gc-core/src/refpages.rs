//! A map keyed by object reference that indexes instead of hashing: for side tables read at
//! every operation of a hot path (the weak-reference entries).

use crate::ObjRef;

/// References per page: one page covers 256 granules (4 KiB) of the small-object space, or
/// 256 large-object indices.
const PAGE_REFS: usize = 256;

/// A map from [`ObjRef`] to `V`, laid out like the heap itself: a page of cells per 256
/// consecutive references, allocated when the first of them gets a value and dropped when
/// the last loses it.
///
/// Against a hash map ([`crate::objref::RefMap`]), a look-up is two indexed loads with no
/// hashing or probing, and references that are neighbours in the heap are neighbours here:
/// a sweep, which frees objects in address order, reads the cells in order too. The cost is
/// a page of `Option<V>` cells per 4 KiB of heap holding any key.
#[derive(Clone, Debug)]
pub struct RefPages<V> {
    small: Vec<Option<Page<V>>>,
    large: Vec<Option<Page<V>>>,
    len: usize,
}

#[derive(Clone, Debug)]
struct Page<V> {
    cells: Box<[Option<V>]>,
    occupied: usize,
}

impl<V> Default for RefPages<V> {
    fn default() -> Self {
        RefPages {
            small: Vec::new(),
            large: Vec::new(),
            len: 0,
        }
    }
}

/// The page list, page index and cell index of `r`.
#[inline]
fn locate(r: ObjRef) -> (bool, usize, usize) {
    let index = (r.raw() & !ObjRef::LARGE_BIT) as usize;
    (r.is_large(), index / PAGE_REFS, index % PAGE_REFS)
}

impl<V: Copy> RefPages<V> {
    #[inline]
    fn pages(&self, large: bool) -> &Vec<Option<Page<V>>> {
        if large {
            &self.large
        } else {
            &self.small
        }
    }

    #[inline]
    fn pages_mut(&mut self, large: bool) -> &mut Vec<Option<Page<V>>> {
        if large {
            &mut self.large
        } else {
            &mut self.small
        }
    }

    /// The value of `r`, if it has one.
    #[inline]
    pub fn get(&self, r: ObjRef) -> Option<&V> {
        let (large, page, cell) = locate(r);
        self.pages(large).get(page)?.as_ref()?.cells[cell].as_ref()
    }

    /// The value of `r` to change in place, if it has one.
    #[inline]
    pub fn get_mut(&mut self, r: ObjRef) -> Option<&mut V> {
        let (large, page, cell) = locate(r);
        self.pages_mut(large).get_mut(page)?.as_mut()?.cells[cell].as_mut()
    }

    /// Sets the value of `r`; returns the value it replaces.
    pub fn insert(&mut self, r: ObjRef, value: V) -> Option<V> {
        let (large, page, cell) = locate(r);
        let pages = self.pages_mut(large);
        if page >= pages.len() {
            pages.resize_with(page + 1, || None);
        }
        let page = pages[page].get_or_insert_with(|| Page {
            cells: vec![None; PAGE_REFS].into_boxed_slice(),
            occupied: 0,
        });
        let old = page.cells[cell].replace(value);
        if old.is_none() {
            page.occupied += 1;
            self.len += 1;
        }
        old
    }

    /// Removes the value of `r` and returns it.
    #[inline]
    pub fn remove(&mut self, r: ObjRef) -> Option<V> {
        let (large, page_index, cell) = locate(r);
        let slot = self.pages_mut(large).get_mut(page_index)?;
        let page = slot.as_mut()?;
        let old = page.cells[cell].take()?;
        page.occupied -= 1;
        if page.occupied == 0 {
            *slot = None;
        }
        self.len -= 1;
        Some(old)
    }

    /// Number of references with a value.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no reference has a value.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Every reference with its value, small objects first, each space in reference order.
    pub fn iter(&self) -> impl Iterator<Item = (ObjRef, V)> + '_ {
        space_entries(&self.small, 0).chain(space_entries(&self.large, ObjRef::LARGE_BIT))
    }

    /// Removes everything, returning what was there (in [`RefPages::iter`]'s order).
    pub fn take_all(&mut self) -> Vec<(ObjRef, V)> {
        let all = self.iter().collect();
        *self = RefPages::default();
        all
    }
}

/// The entries of one space's pages, their references built with `space_bit`.
fn space_entries<V: Copy>(
    pages: &[Option<Page<V>>],
    space_bit: u32,
) -> impl Iterator<Item = (ObjRef, V)> + '_ {
    pages.iter().enumerate().flat_map(move |(p, page)| {
        page.iter().flat_map(move |page| {
            page.cells.iter().enumerate().filter_map(move |(c, v)| {
                v.map(|v| (ObjRef((p * PAGE_REFS + c) as u32 | space_bit), v))
            })
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_kept_per_reference_and_pages_go_when_emptied() {
        let mut map = RefPages::default();
        let refs = [
            ObjRef(0),
            ObjRef(255),
            ObjRef(256),
            ObjRef(70_000),
            ObjRef(ObjRef::LARGE_BIT | 3),
        ];
        for (i, &r) in refs.iter().enumerate() {
            assert_eq!(map.insert(r, i), None);
        }
        assert_eq!(map.insert(ObjRef(255), 10), Some(1));
        assert_eq!(map.len(), refs.len());
        assert_eq!(map.get(ObjRef(255)), Some(&10));
        assert_eq!(map.get(ObjRef(1)), None);
        assert_eq!(map.get(ObjRef(3)), None, "the small 3 is not the large 3");
        assert_eq!(map.get(ObjRef(ObjRef::LARGE_BIT | 3)), Some(&4));
        assert_eq!(map.get(ObjRef(1 << 30)), None, "beyond every page");
        *map.get_mut(ObjRef(256)).unwrap() += 100;
        assert_eq!(
            map.iter().collect::<Vec<_>>(),
            vec![
                (ObjRef(0), 0),
                (ObjRef(255), 10),
                (ObjRef(256), 102),
                (ObjRef(70_000), 3),
                (ObjRef(ObjRef::LARGE_BIT | 3), 4),
            ]
        );
        assert_eq!(map.remove(ObjRef(0)), Some(0));
        assert_eq!(map.remove(ObjRef(0)), None);
        assert!(map.small[0].is_some(), "255 still lives in the first page");
        assert_eq!(map.remove(ObjRef(255)), Some(10));
        assert!(map.small[0].is_none(), "an emptied page is dropped");
        assert_eq!(map.len(), 3);
        let all = map.take_all();
        assert_eq!(all.len(), 3);
        assert!(map.is_empty() && map.iter().next().is_none());
    }
}
