/// A binary min-heap of (key, id, payload) entries ordered by key, ties by the smaller id, so the
/// order of pops is fully determined by the entries (not by the order of pushes). Prim's frontier
/// in HDBSCAN's spanning tree and the best-first walk of the approximate neighbour search use it.
public struct MinHeap<Key: Comparable, Payload> {
    public typealias Entry = (key: Key, id: Int, payload: Payload)
    @usableFromInline var items: [Entry] = []

    @inlinable public init() {}

    /// The smallest entry, nil when empty.
    @inlinable public var top: Entry? { items.first }

    /// Removes every entry (keeping the storage).
    @inlinable public mutating func removeAll() { items.removeAll(keepingCapacity: true) }

    @inlinable static func less(_ a: Entry, _ b: Entry) -> Bool { a.key < b.key || (a.key == b.key && a.id < b.id) }

    @inlinable public mutating func push(_ key: Key, _ id: Int, _ payload: Payload) {
        items.append((key, id, payload))
        var i = items.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            if !Self.less(items[i], items[parent]) { break }
            items.swapAt(i, parent)
            i = parent
        }
    }

    /// Removes and returns the smallest entry, nil when empty.
    @inlinable @discardableResult public mutating func pop() -> Entry? {
        guard let first = items.first else { return nil }
        let last = items.removeLast()
        guard !items.isEmpty else { return first }
        items[0] = last
        var i = 0
        while true {
            let l = 2 * i + 1, r = l + 1
            var m = i
            if l < items.count && Self.less(items[l], items[m]) { m = l }
            if r < items.count && Self.less(items[r], items[m]) { m = r }
            if m == i { break }
            items.swapAt(i, m)
            i = m
        }
        return first
    }
}

extension MinHeap: Sendable where Key: Sendable, Payload: Sendable {}
