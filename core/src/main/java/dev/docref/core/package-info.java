/**
 * {@link dev.docref.core.PresizedDocRefMap}: an off-heap {@code long -> long} map for primary-key to
 * document-reference indexes that grows one bounded segment at a time, so no put ever makes a multi-GB allocation or
 * rehashes the whole map.
 *
 * <h2>Glossary (used the same way in code, comments and docs)</h2>
 * <ul>
 *     <li><b>segment</b>: one bounded open-addressing table in one native block ({@code Segment}).</li>
 *     <li><b>directory</b>: the on-heap array that maps the top bits of a mixed key to its segment
 *     ({@code Directory}, extendible hashing).</li>
 *     <li><b>grow</b>: the map gains capacity. It happens by a <i>split</i>; with {@code Growth.COMPACT}, by a
 *     segment copied into the next <i>size class</i> at the same depth; or, while the map is a single small
 *     segment, by copying that segment into one twice its size.</li>
 *     <li><b>size class</b> ({@code Growth.COMPACT} only): a segment of 5, 6, 7 or 8 pages of an eighth of
 *     {@code segmentBytes}; its block is carved from the map's {@code PageArena}, where a retired block is reused by
 *     any class.</li>
 *     <li><b>split</b>: one full segment becomes two, whose blocks come from the {@code BlockReserve}, to which the
 *     retired parent's block returns, so a split costs one new block. With {@code Growth.COMPACT} a full-size
 *     segment splits into two of the smallest classes that hold its halves.</li>
 *     <li><b>remove</b>: a map entry goes ({@code remove(key)}).</li>
 *     <li><b>delete</b>: a slot is cleared inside a segment, by backward shift, leaving no tombstone.</li>
 *     <li><b>mixed key</b>: {@code Hashing.mix(key, seed)}, what a slot stores in place of the key.</li>
 *     <li><b>fill limit</b>: the entry count at which a segment grows ({@code maxEntries}).</li>
 * </ul>
 *
 * <h2>Thread-safety and memory ordering</h2>
 * The map is thread-safe by default ({@link dev.docref.core.Concurrency#THREAD_SAFE}); the scheme, written once here:
 * <ul>
 *     <li><b>Readers</b> take no locks. Per segment a seqlock: read {@code Segment.version} with acquire; if even,
 *     probe the slots with plain loads, then {@code acquireFence} and re-read it; equal means the read was of a
 *     stable table. Odd: a write is in progress, spin. {@code RETIRED}: the segment was replaced by a split; reload
 *     the directory ({@code volatile}) and retry.</li>
 *     <li><b>Writers</b> lock the key's segment (CAS on {@code Segment.lock}), check it is not retired, then bracket
 *     slot writes with {@code beginWrite} (version odd, {@code storeStoreFence}) and {@code endWrite} (version even,
 *     release).</li>
 *     <li><b>Splits and class grows</b> copy the locked segment into fresh blocks, publish them in the directory with
 *     release stores (a doubled directory is published whole) under the map's directory lock, then retire the
 *     parent, and only then hand its block back for reuse. Retired blocks are never freed while the map is open; a
 *     block reused at another size may leave a stale reader reading anything inside it, so the reader's scan stops
 *     at its segment's {@code limit}, and its validation fails.</li>
 * </ul>
 * The full argument, variable by variable, is in {@code src/site/markdown/concurrency.md}.
 * {@link dev.docref.core.Concurrency#SINGLE_THREADED} maps skip the locks and stamps: one thread at a time.
 * Memory is owned by the map and freed by {@code close()}. Raw memory is touched only through {@code OffHeap}.
 */
package dev.docref.core;
