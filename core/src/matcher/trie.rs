//! The phrases as a trie of atoms: from each node, one edge per next atom
//! (ASCII lower-cased). The matcher walks it from a candidate's first atom.
//!
//! All edges live in one hash table keyed by (parent node, atom bytes), with
//! the atom bytes in one shared buffer, instead of a map per node with an
//! allocated key per edge: a pack of 100,000 terms builds its trie with a
//! handful of allocations, and a walk still costs one lookup per atom.

use std::hash::Hasher;

use hashbrown::HashTable;
use rustc_hash::FxHasher;

/// What a phrase ending at a node stands for.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Node {
    pub term: Option<u32>,
    /// The matcher's flags of the phrase ending here.
    pub flags: u8,
    /// Whether the atom leading to this node may follow a `/` or an `@`:
    /// only when a phrase is written so ("A/B test", "precision@k"), never
    /// in `owner/repo` paths or `user@host` addresses.
    pub slash: bool,
    /// Some phrase goes on past this node: without one, a walk stops here
    /// without looking for a next atom (most hits are one-atom phrases,
    /// and a line of `TTFT TTFT ...` paid a hash lookup per hit for it).
    pub has_children: bool,
    /// The first bytes of the atoms that go on from here, as bits of
    /// [`first_byte_bit`]: a walk whose next atom starts with another byte
    /// stops without finding that atom's end or hashing it (the common case
    /// after a first word of plain English such as "system" or "change").
    pub next_firsts: u64,
}

/// The bit of an atom's first byte in [`Node::next_firsts`]: the byte with
/// `0x20` set (ASCII case folded), modulo 64. Bytes that share a bit only
/// let more through.
#[inline]
pub(super) fn first_byte_bit(byte: u8) -> u64 {
    1 << ((byte | 0x20) & 63)
}

#[derive(Clone, Copy, Debug)]
struct Edge {
    parent: u32,
    child: u32,
    /// The atom, as `atoms[start..start + len]`.
    start: u32,
    len: u32,
}

#[derive(Debug)]
pub(super) struct Trie {
    nodes: Vec<Node>,
    edges: HashTable<Edge>,
    atoms: Vec<u8>,
}

/// The root: the node before a phrase's first atom.
pub(super) const ROOT: u32 = 0;

fn hash(parent: u32, atom: &[u8]) -> u64 {
    let mut hasher = FxHasher::default();
    hasher.write_u32(parent);
    hasher.write(atom);
    hasher.finish()
}

impl Trie {
    pub fn new() -> Trie {
        Trie {
            nodes: vec![Node::default()],
            edges: HashTable::new(),
            atoms: Vec::new(),
        }
    }

    pub fn node(&self, node: u32) -> &Node {
        &self.nodes[node as usize]
    }

    pub fn node_mut(&mut self, node: u32) -> &mut Node {
        &mut self.nodes[node as usize]
    }

    fn atom(&self, edge: &Edge) -> &[u8] {
        &self.atoms[edge.start as usize..(edge.start + edge.len) as usize]
    }

    /// The node after `atom` (lower-cased) from `node`.
    pub fn child(&self, node: u32, atom: &[u8]) -> Option<u32> {
        self.edges
            .find(hash(node, atom), |e| {
                e.parent == node && self.atom(e) == atom
            })
            .map(|e| e.child)
    }

    /// The node after `atom` (lower-cased) from `node`, added if new.
    pub fn child_or_insert(&mut self, node: u32, atom: &[u8]) -> u32 {
        if let Some(child) = self.child(node, atom) {
            return child;
        }
        let child = self.nodes.len() as u32;
        let parent = &mut self.nodes[node as usize];
        parent.has_children = true;
        parent.next_firsts |= atom.first().map_or(0, |&b| first_byte_bit(b));
        self.nodes.push(Node::default());
        let edge = Edge {
            parent: node,
            child,
            start: self.atoms.len() as u32,
            len: atom.len() as u32,
        };
        self.atoms.extend_from_slice(atom);
        let atoms = &self.atoms;
        self.edges.insert_unique(hash(node, atom), edge, |e| {
            hash(
                e.parent,
                &atoms[e.start as usize..(e.start + e.len) as usize],
            )
        });
        child
    }

    /// Every edge as (parent, atom, child), in no particular order.
    pub fn edges(&self) -> impl Iterator<Item = (u32, &[u8], u32)> + '_ {
        self.edges.iter().map(|e| (e.parent, self.atom(e), e.child))
    }
}
