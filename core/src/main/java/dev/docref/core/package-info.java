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
 *     <li><b>grow</b>: the map gains capacity. It happens by a <i>split</i>, or, while the map is a single small
 *     segment, by copying that segment into one twice its size.</li>
 *     <li><b>split</b>: one full segment becomes two; exactly one new block is allocated (the other child reuses the
 *     retired parent's block, kept in the {@code BlockReserve}).</li>
 *     <li><b>remove</b>: a map entry goes ({@code remove(key)}).</li>
 *     <li><b>delete</b>: a slot is cleared inside a segment, by backward shift, leaving no tombstone.</li>
 *     <li><b>mixed key</b>: {@code Hashing.mix(key, seed)}, what a slot stores in place of the key.</li>
 *     <li><b>fill limit</b>: the entry count at which a segment grows ({@code maxEntries}).</li>
 * </ul>
 *
 * <h2>Thread-safety</h2>
 * Not thread-safe: one thread at a time may use a map. Memory is owned by the map and freed by {@code close()}.
 * Raw memory is touched only through {@code OffHeap}.
 */
package dev.docref.core;
