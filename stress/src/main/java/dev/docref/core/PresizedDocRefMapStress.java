package dev.docref.core;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.JJJJ_Result;
import org.openjdk.jcstress.infra.results.JJJ_Result;
import org.openjdk.jcstress.infra.results.JJ_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * jcstress properties of the thread-safe {@link PresizedDocRefMap}: what a reader may see while a writer inserts,
 * updates, removes, splits its segment or doubles the directory, and what two racing writers leave.
 * <p>
 * These tests live in package {@code dev.docref.core} (in the stress jar only) so that they can pick keys by their
 * mixed hash: that is how a state arranges for a put to split a given segment, with or without a directory doubling.
 * Every map has 512-byte segments: 16 home slots, a fill limit of 14 entries. Each state closes its map in the
 * arbiter. Why each property holds is argued in {@code src/site/markdown/concurrency.md}.
 */
public final class PresizedDocRefMapStress
{
    static final long SEED = 0x5EEDL;
    static final int SEGMENT_BYTES = 512;
    static final int FILL_LIMIT = 14;
    static final long MISSING = -1L;

    private PresizedDocRefMapStress()
    {
    }

    static PresizedDocRefMap newMap()
    {
        return PresizedDocRefMap.builder().segmentBytes(SEGMENT_BYTES).hashSeed(SEED).build();
    }

    /** As {@link #newMap()}, growing by size classes ({@link Growth#COMPACT}). */
    static PresizedDocRefMap newCompactMap()
    {
        return PresizedDocRefMap.builder().segmentBytes(SEGMENT_BYTES).hashSeed(SEED).growth(Growth.COMPACT).build();
    }

    /** The first key at or after {@code from} homed at slot {@code home} of a 16-slot segment (a map's first). */
    static long keyWithHome(final int home, final long from)
    {
        for (long key = from; ; key++)
        {
            if (Segment.home(Hashing.mix(key, SEED), 16) == home)
            {
                return key;
            }
        }
    }

    /** The first key at or after {@code from} whose mixed hash starts with {@code prefix} in its top {@code bits}. */
    static long keyWithPrefix(final int bits, final long prefix, final long from)
    {
        for (long key = from; ; key++)
        {
            if (Hashing.mix(key, SEED) >>> (64 - bits) == prefix)
            {
                return key;
            }
        }
    }

    static int directoryDepth(final PresizedDocRefMap map)
    {
        final String description = map.toString();
        final int at = description.indexOf("directoryDepth=") + "directoryDepth=".length();
        return Integer.parseInt(description.substring(at, description.indexOf(',', at)));
    }

    /**
     * Fill with {@code count} keys whose top bit is {@code topBit}, starting the key search at {@code from}.
     *
     * @return the next key to search from.
     */
    static long fill(final PresizedDocRefMap map, final long topBit, final int count, final long from)
    {
        long key = from;
        for (int i = 0; i < count; i++)
        {
            key = keyWithPrefix(1, topBit, key);
            map.put(key, key * 10);
            key++;
        }
        return key;
    }

    /**
     * Put {@code count} keys whose top {@code bits} bits are {@code prefix}, each mapped to ten times itself, starting
     * the key search at {@code from}.
     *
     * @return the keys put, in order.
     */
    static long[] fillRecorded(final PresizedDocRefMap map, final int bits, final long prefix, final int count,
        final long from)
    {
        final long[] keys = new long[count];
        long key = from;
        for (int i = 0; i < count; i++)
        {
            key = keyWithPrefix(bits, prefix, key);
            map.put(key, key * 10);
            keys[i] = key++;
        }
        return keys;
    }

    /**
     * The first key at or after {@code from} whose mixed hash starts with {@code prefix} in its top {@code bits} and
     * is homed at slot {@code home} of a segment of {@code capacity} home slots.
     */
    static long keyWithPrefixAndHome(final int bits, final long prefix, final int capacity, final int home,
        final long from)
    {
        for (long key = from; ; key++)
        {
            final long h = Hashing.mix(key, SEED);
            if (h >>> (64 - bits) == prefix && Segment.home(h, capacity) == home)
            {
                return key;
            }
        }
    }

    /** {@code keys} and then {@code more}, in one array. */
    static long[] concat(final long[] keys, final long... more)
    {
        final long[] all = java.util.Arrays.copyOf(keys, keys.length + more.length);
        System.arraycopy(more, 0, all, keys.length, more.length);
        return all;
    }

    /**
     * Read every key, each mapped to ten times itself: {@code r.r1} counts the keys found missing, {@code r.r2} those
     * found with another value. Each get is its own lookup, so a reader racing a writer's split or grow sees it at a
     * different point for each key.
     */
    static void readEvery(final PresizedDocRefMap map, final long[] keys, final JJJ_Result r)
    {
        for (final long key : keys)
        {
            final long value = map.get(key);
            if (value == MISSING)
            {
                r.r1++;
            }
            else if (value != key * 10)
            {
                r.r2++;
            }
        }
    }

    /** Whether some key of {@code keys}, all in one segment, sits past its home slot (a later insert moved it). */
    static boolean anyDisplaced(final PresizedDocRefMap map, final long[] keys)
    {
        for (final long key : keys)
        {
            final long h = Hashing.mix(key, SEED);
            final Segment segment = map.segmentOf(key);
            if (segment.search(h) != Segment.home(h, segment.capacity))
            {
                return true;
            }
        }
        return false;
    }

    /** The slot of {@code key} in its segment (negative if absent): where a state checks it placed keys. */
    static int slotOf(final PresizedDocRefMap map, final long key)
    {
        return map.segmentOf(key).search(Hashing.mix(key, SEED));
    }

    static void require(final boolean condition, final String what)
    {
        if (!condition)
        {
            throw new IllegalStateException("jcstress state setup went wrong: " + what);
        }
    }

    /**
     * (a) A reader racing the insert of a new key sees the key missing or mapped to the inserted value. The key takes
     * an empty home slot and moves nothing; (a2) races an insert that moves a neighbour.
     */
    @JCStressTest
    @Description("A reader racing a put of a new key sees either missing or the value.")
    @Outcome(id = "-1, -1", expect = ACCEPTABLE, desc = "Read before the insert: missing.")
    @Outcome(id = "42, -1", expect = ACCEPTABLE, desc = "Read after the insert: the value.")
    @Outcome(expect = FORBIDDEN, desc = "Any other value, or put not reporting the key as absent.")
    @State
    public static class ReaderRacingInsert
    {
        final PresizedDocRefMap map = newMap();
        final long key = 7;

        public ReaderRacingInsert()
        {
            fill(map, 0, 5, 100);
        }

        @Actor
        public void writer(final JJ_Result r)
        {
            r.r2 = map.put(key, 42);
        }

        @Actor
        public void reader(final JJ_Result r)
        {
            r.r1 = map.get(key);
        }

        @Arbiter
        public void close(final JJ_Result r)
        {
            map.close();
        }
    }

    /**
     * (a2) A reader of a key that an insert moves one slot right always finds it with its own value. The new key is
     * homed before the neighbour's slot, which it takes: the insert writes the new key and its docRef into that slot,
     * then the neighbour into the next. A reader that did not validate its read against the segment's stamp could
     * pair the neighbour's key with the new docRef, or miss the neighbour between the two writes.
     */
    @JCStressTest
    @Description("A reader of a key that an insert moves one slot right always finds it with its own value.")
    @Outcome(id = "8, -1", expect = ACCEPTABLE, desc = "The neighbour, before, during or after the move.")
    @Outcome(expect = FORBIDDEN, desc = "The neighbour missing or with another docRef: a torn read of the move.")
    @State
    public static class ReaderRacingShiftingInsert
    {
        final PresizedDocRefMap map = newMap();
        final long neighbour;
        final long key;

        public ReaderRacingShiftingInsert()
        {
            // Among 16 home slots: a key homed at 5 in slot 5, the neighbour homed at 6 in slot 6, then a new key
            // homed at 5, whose place in the order is slot 6: the neighbour moves to slot 7.
            final long first = keyWithHome(5, 100);
            neighbour = keyWithHome(6, first + 1);
            key = keyWithHome(5, neighbour + 1);
            map.put(first, 1);
            map.put(neighbour, 8);
        }

        @Actor
        public void writer(final JJ_Result r)
        {
            r.r2 = map.put(key, 42);
        }

        @Actor
        public void reader(final JJ_Result r)
        {
            r.r1 = map.get(neighbour);
        }

        @Arbiter
        public void close(final JJ_Result r)
        {
            require(map.get(key) == 42 && map.get(neighbour) == 8, "both keys mapped after the insert");
            map.close();
        }
    }

    /**
     * (b) A reader racing an update sees the old value or the new one. An update rewrites one aligned 8-byte word in
     * place, so no read of it can be torn, seqlock or not: this checks that an update never leaves the key absent or
     * moved (a remove and re-insert would). Torn reads of entries a writer moves are (a2)'s and (d)'s to catch.
     */
    @JCStressTest
    @Description("A reader racing an update sees the old value or the new one.")
    @Outcome(id = "1", expect = ACCEPTABLE, desc = "Read before the update: the old value.")
    @Outcome(id = "2", expect = ACCEPTABLE, desc = "Read after the update: the new value.")
    @Outcome(expect = FORBIDDEN, desc = "Missing or any other value: the update let the key go absent or moved it.")
    @State
    public static class ReaderRacingUpdate
    {
        final PresizedDocRefMap map = newMap();
        final long key = 7;

        public ReaderRacingUpdate()
        {
            fill(map, 0, 5, 100);
            map.put(key, 1);
        }

        @Actor
        public void writer()
        {
            map.put(key, 2);
        }

        @Actor
        public void reader(final org.openjdk.jcstress.infra.results.J_Result r)
        {
            r.r1 = map.get(key);
        }

        @Arbiter
        public void close(final org.openjdk.jcstress.infra.results.J_Result r)
        {
            map.close();
        }
    }

    /**
     * (c) A reader racing the split of its segment finds every key of the segment, each with its value. The state
     * makes the split one that does not double the directory: the segment S has local depth 1 while the directory has
     * depth 2. The reader reads all 14 keys of S: keys of the half that goes to the low child and of the half that
     * goes to the high child. The first two share home slot 3 and go to different children: the second sits displaced
     * in slot 4 of S and shifts left in its child unless keys of its half fill slot 3 there.
     */
    @JCStressTest
    @Description("A reader racing the split of its segment finds every key of the segment with its value.")
    @Outcome(id = "0, 0, 2", expect = ACCEPTABLE, desc = "Every key with its value, each read before or after the " +
        "split.")
    @Outcome(expect = FORBIDDEN, desc = "r1 keys missing or r2 keys with another value: the reader lost or tore keys " +
        "during the split; or the put did not split (r3 != 2).")
    @State
    public static class ReaderRacingSplit
    {
        final PresizedDocRefMap map = newMap();
        final long[] keys;
        final long newKey;
        final int segmentsBefore;

        public ReaderRacingSplit()
        {
            // Top bit 0 keys: fill the root and push on, so it splits and the top-bit-0 half splits again.
            fill(map, 0, FILL_LIMIT + 1, 1_000_000);
            require(directoryDepth(map) >= 2, "directory depth >= 2 after the top-bit-0 half split");
            // Top bit 1: fill its segment S (local depth 1) to the limit, first a low-half key and a high-half key
            // homed at slot 3, then keys of either half.
            final long stays = keyWithPrefixAndHome(2, 0b10, 16, 3, 2_000_000);
            map.put(stays, stays * 10);
            final long moves = keyWithPrefixAndHome(2, 0b11, 16, 3, stays + 1);
            map.put(moves, moves * 10);
            require(map.segmentOf(moves).search(Hashing.mix(moves, SEED)) == 4, "the high-half key displaced to 4");
            final long[] filled = fillRecorded(map, 1, 1, FILL_LIMIT - 2, moves + 1);
            keys = concat(filled, stays, moves);
            require(map.segmentOf(stays) == map.segmentOf(moves) && map.segmentOf(stays).count == FILL_LIMIT,
                "every key in one full segment");
            newKey = keyWithPrefix(1, 1, filled[filled.length - 1] + 1);
            segmentsBefore = map.segmentCount();
        }

        @Actor
        public void writer()
        {
            map.put(newKey, 5);
        }

        @Actor
        public void reader(final JJJ_Result r)
        {
            readEvery(map, keys, r);
        }

        @Arbiter
        public void arbiter(final JJJ_Result r)
        {
            // 2: the put split the keys' segment (one more segment), so the race was with a split.
            r.r3 = map.segmentCount() - segmentsBefore + 1;
            map.close();
        }
    }

    /**
     * (c2) A reader racing the grow of its segment into the next size class finds every key of the segment, each with
     * its value. The grow copies the segment into a block of the next class and gives the old block back to the page
     * arena, where any later grow or split may take it while a stale reader still reads it. The state fills the
     * top-bit-1 segment (local depth 1, created empty in the smallest class by the root's split) to the fill limit of
     * its second class (7 entries), so the racing put grows it into the third. The reader reads all 7 keys: the new
     * class has more home slots, so each key is homed afresh and most land in another slot; some sit displaced
     * before the grow (the state checks one does).
     */
    @JCStressTest
    @Description("A reader racing the grow of its segment into the next size class finds every key of it.")
    @Outcome(id = "0, 0, 1", expect = ACCEPTABLE, desc = "Every key with its value, each read before or after the " +
        "grow.")
    @Outcome(expect = FORBIDDEN, desc = "r1 keys missing or r2 keys with another value, or the put did not grow the " +
        "segment in place (r3 = 0).")
    @State
    public static class ReaderRacingClassGrow
    {
        final PresizedDocRefMap map = newCompactMap();
        final long[] keys;
        final long newKey;
        final int segmentsBefore;
        final long capacityBefore;

        public ReaderRacingClassGrow()
        {
            fill(map, 0, FILL_LIMIT + 1, 1_000_000);
            require(directoryDepth(map) >= 2, "directory depth >= 2 after the top-bit-0 half split");
            keys = fillRecorded(map, 1, 1, 7, 2_000_000);
            require(anyDisplaced(map, keys), "a key of the segment displaced from its home slot");
            newKey = keyWithPrefix(1, 1, keys[keys.length - 1] + 1);
            segmentsBefore = map.segmentCount();
            capacityBefore = map.capacity();
        }

        @Actor
        public void writer()
        {
            map.put(newKey, 5);
        }

        @Actor
        public void reader(final JJJ_Result r)
        {
            readEvery(map, keys, r);
        }

        @Arbiter
        public void arbiter(final JJJ_Result r)
        {
            // 1: same segments, more room: the put grew the keys' segment into the next class.
            r.r3 = map.segmentCount() == segmentsBefore && map.capacity() > capacityBefore ? 1 : 0;
            map.close();
        }
    }

    /**
     * (c3) A stale reader of a segment whose block a later split reuses for other keys finds every key of the segment
     * with its own value, never missing, another key's value or garbage. The writer's one put splits the reader's
     * segment S, whose keys all share the next bit, so one child L takes them all and is full: the same put then
     * splits L, and the thread-safe map's reserve, a stack, hands L's low child the block S just gave back (puts
     * prepare the reserve's blocks here, so no preparer thread pushes one in between; r3 checks the reuse happened).
     * So S's block is rewritten, under a microsecond after S's retirement, with L's low half. Every key of S is homed
     * at slot 0 and the halves alternate, so S's slots hold 101-keys and 100-keys in turn and the reused block holds
     * the 7 100-keys in slots 0 to 6: a stale read finds a 101-key (slot 0, 2, ...) missing, and a 100-key at a slot
     * other than its own. The reader reads all 14 keys. A reader that took S from the directory before the first
     * split still reads S's block; only the {@code RETIRED} stamp and the seqlock validation make it discard what it
     * read there.
     * <p>
     * A reader's stale view lasts one lookup (tens of nanoseconds), while S's retirement precedes the reuse of its
     * block by the rest of the put (about half a microsecond), so a broken reader fails only when it stalls
     * mid-lookup, about once in 10^4 to 10^6 samples: see {@code concurrency.md} for the counts seen per mutation.
     */
    @JCStressTest
    @Description("A stale reader of a segment whose block a later split reuses for other keys finds every key.")
    @Outcome(id = "0, 0, 1", expect = ACCEPTABLE, desc = "Every key with its value: each read before the splits, or " +
        "after them through the new directory; the reader's old block now holds other keys.")
    @Outcome(expect = FORBIDDEN, desc = "r1 keys missing or r2 with another key's value or garbage: the reader read " +
        "its old segment's block rewritten with other keys; or the splits did not reuse the old block (r3 = 0).")
    @State
    public static class StaleReaderRacingBlockReuse
    {
        final PresizedDocRefMap map = PresizedDocRefMap.builder().segmentBytes(SEGMENT_BYTES).hashSeed(SEED)
            .prepareOnThread(false).build();
        final long[] keys = new long[FILL_LIMIT];
        final long newKey;
        final long oldBlock;

        public StaleReaderRacingBlockReuse()
        {
            // As in (c): the root splits and its top-bit-0 half splits again, so the directory has depth 2, the
            // top-bit-1 segment S (local depth 1) is empty, and the reserve keeps blocks of S's size from now on.
            fill(map, 0, FILL_LIMIT + 1, 1_000_000);
            require(directoryDepth(map) == 2, "directory depth 2 after the top-bit-0 half split");
            // S filled to its limit with keys of prefix 10, all homed at slot 0: half 101, half 100, alternating.
            long next = 2_000_000;
            for (int i = 0; i < FILL_LIMIT; i++)
            {
                keys[i] = keyWithPrefixAndHome(3, i % 2 == 0 ? 0b101 : 0b100, 16, 0, next);
                map.put(keys[i], keys[i] * 10);
                next = keys[i] + 1;
            }
            newKey = keyWithPrefix(3, 0b100, next);
            require(map.segmentOf(keys[0]) == map.segmentOf(keys[1]) && map.segmentOf(keys[0]).count == FILL_LIMIT,
                "every key in one full segment");
            oldBlock = map.segmentOf(keys[0]).address;
        }

        @Actor
        public void writer()
        {
            map.put(newKey, 5);
        }

        @Actor
        public void reader(final JJJ_Result r)
        {
            readEvery(map, keys, r);
        }

        @Arbiter
        public void arbiter(final JJJ_Result r)
        {
            // 1: the second split wrote the 100-keys into the reader's old block, so the race was with its reuse.
            r.r3 = map.segmentOf(keys[1]).address == oldBlock && map.segmentOf(keys[0]).address != oldBlock ? 1 : 0;
            require(map.get(newKey) == 5, "the new key mapped after the splits");
            map.close();
        }
    }

    /**
     * (d) A reader racing a remove sees the value or missing; and it always finds the key displaced right after the
     * removed one (same home slot), which the remove shifts back one slot.
     */
    @JCStressTest
    @Description("A reader racing a remove sees the value or missing; a key the remove shifts is always found.")
    @Outcome(id = "10, 20", expect = ACCEPTABLE, desc = "Removed key read before the remove; neighbour found.")
    @Outcome(id = "-1, 20", expect = ACCEPTABLE, desc = "Removed key read after the remove; neighbour found.")
    @Outcome(expect = FORBIDDEN, desc = "Wrong value, or the shifted neighbour missing.")
    @State
    public static class ReaderRacingRemove
    {
        final PresizedDocRefMap map = newMap();
        final long removed;
        final long shifted;

        public ReaderRacingRemove()
        {
            // Two keys with the same home slot among 16: the second sits right after the first.
            removed = 3;
            shifted = keyWithHome(Segment.home(Hashing.mix(removed, SEED), 16), removed + 1);
            map.put(removed, 10);
            map.put(shifted, 20);
        }

        @Actor
        public void writer()
        {
            map.remove(removed);
        }

        @Actor
        public void reader(final JJ_Result r)
        {
            // Two actors only: jcstress skips tests with more actors than CPUs, and CI has 2.
            r.r1 = map.get(removed);
            r.r2 = map.get(shifted);
        }

        @Arbiter
        public void close(final JJ_Result r)
        {
            map.close();
        }
    }

    /**
     * (d2) A reader racing a remove and a re-insert of one key sees the key's old value, missing or its new value, and
     * always finds the two keys of its probe run with their values. Among 16 home slots, k (homed at 3) sits in slot
     * 3, n (homed at 3) in slot 4 and m (homed at 4) in slot 5. The remove moves n to slot 3 and m to slot 4; the
     * re-insert puts k after n, in slot 4 (m is homed after k), and moves m back to slot 5. So all three keys change
     * slots twice, and a read overlapping either write must fail validation: without it the reader can pair n's or
     * m's key with the docRef of the entry moved over it, or miss one between two slot writes.
     */
    @JCStressTest
    @Description("A reader racing a remove and re-insert of a key sees old, missing or new; its run's keys stay found.")
    @Outcome(id = "100, 20, 30", expect = ACCEPTABLE, desc = "k read before the remove; n and m found.")
    @Outcome(id = "-1, 20, 30", expect = ACCEPTABLE, desc = "k read between the remove and the re-insert; n and m " +
        "found.")
    @Outcome(id = "101, 20, 30", expect = ACCEPTABLE, desc = "k read after the re-insert; n and m found.")
    @Outcome(expect = FORBIDDEN, desc = "k with a value never put, or n or m missing or with another docRef: a torn " +
        "read of the back-shift or of the re-insert's shift.")
    @State
    public static class ReaderRacingRemoveAndReinsert
    {
        final PresizedDocRefMap map = newMap();
        final long k;
        final long n;
        final long m;

        public ReaderRacingRemoveAndReinsert()
        {
            k = keyWithHome(3, 100);
            n = keyWithHome(3, k + 1);
            m = keyWithHome(4, n + 1);
            map.put(k, 100);
            map.put(n, 20);
            map.put(m, 30);
            require(slotOf(map, k) == 3 && slotOf(map, n) == 4 && slotOf(map, m) == 5, "k, n, m in slots 3, 4, 5");
        }

        @Actor
        public void writer()
        {
            map.remove(k);
            map.put(k, 101);
        }

        @Actor
        public void reader(final JJJ_Result r)
        {
            r.r1 = map.get(k);
            r.r2 = map.get(n);
            r.r3 = map.get(m);
        }

        @Arbiter
        public void close(final JJJ_Result r)
        {
            require(slotOf(map, n) == 3 && slotOf(map, k) == 4 && slotOf(map, m) == 5, "n, k, m in slots 3, 4, 5");
            map.close();
        }
    }

    /**
     * (d3) As (d2), with the re-insert splitting the key's segment. The segment S (local depth 1, directory depth 2,
     * as in (c)) is full: k (prefix 11, homed at 3) in slot 3, n (prefix 10, homed at 3) displaced to slot 4, and 12
     * more keys of prefix 1. The writer removes k (n shifts back to slot 3), inserts a filler key, which fills S to
     * its limit again, and puts k back: S is full and k absent, so that put splits S, k going to the high child and n
     * to the low one, and inserts k into its child. The reader reads k, n and the 12 others, each lookup racing the
     * back-shift, the filler's insert, the split or the re-insert. The split comes from the writer's own put, not from
     * a third actor: jcstress skips tests with more actors than CPUs, and CI has 2.
     */
    @JCStressTest
    @Description("A reader racing a remove and a re-insert that splits the key's segment: old, missing or new; the " +
        "rest stay found.")
    @Outcome(id = "100, 20, 0, 1", expect = ACCEPTABLE, desc = "k read before the remove; n and the others found.")
    @Outcome(id = "-1, 20, 0, 1", expect = ACCEPTABLE, desc = "k read between the remove and the re-insert; n and " +
        "the others found.")
    @Outcome(id = "101, 20, 0, 1", expect = ACCEPTABLE, desc = "k read after the re-insert, in its child; n and the " +
        "others found.")
    @Outcome(expect = FORBIDDEN, desc = "k with a value never put, n missing or with another docRef, r3 other keys " +
        "missing or with another value; or the re-insert did not split the segment (r4 = 0).")
    @State
    public static class ReinsertRacingSplit
    {
        final PresizedDocRefMap map = newMap();
        final long k;
        final long n;
        final long[] others;
        final long filler;
        final int segmentsBefore;

        public ReinsertRacingSplit()
        {
            fill(map, 0, FILL_LIMIT + 1, 1_000_000);
            require(directoryDepth(map) >= 2, "directory depth >= 2 after the top-bit-0 half split");
            k = keyWithPrefixAndHome(2, 0b11, 16, 3, 2_000_000);
            map.put(k, 100);
            n = keyWithPrefixAndHome(2, 0b10, 16, 3, k + 1);
            map.put(n, 20);
            require(slotOf(map, k) == 3 && slotOf(map, n) == 4, "k in slot 3, n displaced to slot 4");
            others = fillRecorded(map, 1, 1, FILL_LIMIT - 2, n + 1);
            require(map.segmentOf(k) == map.segmentOf(n) && map.segmentOf(k).count == FILL_LIMIT,
                "every key in one full segment");
            filler = keyWithPrefix(1, 1, others[others.length - 1] + 1);
            segmentsBefore = map.segmentCount();
        }

        @Actor
        public void writer()
        {
            map.remove(k);
            map.put(filler, filler * 10);
            map.put(k, 101);
        }

        @Actor
        public void reader(final JJJJ_Result r)
        {
            r.r1 = map.get(k);
            r.r2 = map.get(n);
            for (final long key : others)
            {
                if (map.get(key) != key * 10)
                {
                    r.r3++;
                }
            }
        }

        @Arbiter
        public void arbiter(final JJJJ_Result r)
        {
            // 1: the re-insert split the keys' segment (one more segment), so the reads raced a split.
            r.r4 = map.segmentCount() - segmentsBefore;
            require(map.segmentOf(k) != map.segmentOf(n) && map.get(filler) == filler * 10,
                "k and n in different children, the filler mapped");
            map.close();
        }
    }

    /** (e) Two writers putting the same new key leave one of the two values, and exactly one saw it absent. */
    @JCStressTest
    @Description("Two writers putting the same key leave one of the two values.")
    @Outcome(id = "-1, 1, 2", expect = ACCEPTABLE, desc = "Writer 1 first, writer 2 replaced its value.")
    @Outcome(id = "2, -1, 1", expect = ACCEPTABLE, desc = "Writer 2 first, writer 1 replaced its value.")
    @Outcome(expect = FORBIDDEN, desc = "Both saw the key absent, a lost update, or a value never put.")
    @State
    public static class TwoWritersSameKey
    {
        final PresizedDocRefMap map = newMap();
        final long key = 7;

        public TwoWritersSameKey()
        {
            fill(map, 0, 5, 100);
        }

        @Actor
        public void writer1(final JJJ_Result r)
        {
            r.r1 = map.put(key, 1);
        }

        @Actor
        public void writer2(final JJJ_Result r)
        {
            r.r2 = map.put(key, 2);
        }

        @Arbiter
        public void arbiter(final JJJ_Result r)
        {
            r.r3 = map.get(key);
            map.close();
        }
    }

    /**
     * (e2) Two writers inserting new keys into one full segment both land: the first to lock it splits it, and the
     * other, which may have found the segment before the split, must re-check it under the lock and go to the
     * segment that now holds its key instead of writing into the replaced one.
     */
    @JCStressTest
    @Description("Two writers inserting into one full segment both land, across its split.")
    @Outcome(id = "5, 6", expect = ACCEPTABLE, desc = "Both keys mapped to their values after the split.")
    @Outcome(expect = FORBIDDEN, desc = "A key missing or with another value: an insert lost in the split.")
    @State
    public static class TwoWritersRacingSplit
    {
        final PresizedDocRefMap map = newMap();
        final long key1;
        final long key2;

        public TwoWritersRacingSplit()
        {
            final long next = fill(map, 0, FILL_LIMIT / 2, 100);
            final long last = fill(map, 1, FILL_LIMIT - FILL_LIMIT / 2, next);
            require(map.segmentCount() == 1, "one full segment before the race");
            key1 = keyWithPrefix(1, 0, last);
            key2 = keyWithPrefix(1, 1, key1 + 1);
        }

        @Actor
        public void writer1()
        {
            map.put(key1, 5);
        }

        @Actor
        public void writer2()
        {
            map.put(key2, 6);
        }

        @Arbiter
        public void arbiter(final JJ_Result r)
        {
            r.r1 = map.get(key1);
            r.r2 = map.get(key2);
            require(map.segmentCount() > 1, "the race split the segment");
            map.close();
        }
    }

    /**
     * (f) A reader racing a directory doubling finds a key that is present. The writer's put splits a segment at the
     * directory's full depth (so the directory doubles); the reader's key is in the other segment.
     */
    @JCStressTest
    @Description("A reader racing a directory doubling always finds a key that is present.")
    @Outcome(id = "500, 2", expect = ACCEPTABLE, desc = "The key's value, read before or after the doubling.")
    @Outcome(expect = FORBIDDEN, desc = "Missing or wrong value: the reader lost the key during the doubling.")
    @State
    public static class ReaderRacingDoubling
    {
        final PresizedDocRefMap map = newMap();
        final long key;
        final long newKey;
        final int depthBefore;

        public ReaderRacingDoubling()
        {
            key = keyWithPrefix(1, 1, 3_000_000);
            map.put(key, 500);
            long next = fill(map, 1, 6, key + 1);
            next = fill(map, 0, 8, next);
            require(directoryDepth(map) == 1, "one split so far, directory depth 1");
            // Fill the top-bit-0 segment (local depth 1 = directory depth) to its limit.
            final long lowCount = 8;
            next = fill(map, 0, (int)(FILL_LIMIT - lowCount), next);
            require(directoryDepth(map) == 1, "still depth 1 with the low segment full");
            newKey = keyWithPrefix(1, 0, next);
            depthBefore = directoryDepth(map);
        }

        @Actor
        public void writer()
        {
            map.put(newKey, 7);
        }

        @Actor
        public void reader(final JJ_Result r)
        {
            r.r1 = map.get(key);
        }

        @Arbiter
        public void arbiter(final JJ_Result r)
        {
            // 2: the directory doubled, so the race was with a doubling.
            r.r2 = directoryDepth(map) - depthBefore + 1;
            map.close();
        }
    }

    /**
     * The docRef mapped to {@code key}, or -2 if the directory points it at a retired segment: a lost split, on which
     * a get would retry forever. Arbiters of races between splits read through this so that a broken build reports
     * instead of hanging.
     */
    static long getUnlessRetired(final PresizedDocRefMap map, final long key)
    {
        return map.segmentOf(key).isRetired() ? -2 : map.get(key);
    }

    /** How many of {@code keys}, each mapped to ten times itself, are missing or mapped to another value. */
    static long countLost(final PresizedDocRefMap map, final long[] keys)
    {
        long lost = 0;
        for (final long key : keys)
        {
            if (getUnlessRetired(map, key) != key * 10)
            {
                lost++;
            }
        }
        return lost;
    }

    /**
     * (g) A remove racing the split of its key's segment by another writer's insert removes the key, and the split
     * keeps every other key. The segment S is full (local depth 1, directory depth 2) so the insert splits it if it
     * locks S first; the remover then waits on S's lock while S is copied into its children and retired, and must see
     * the retirement and remove the key from the child that now holds it, not from S's copy. If the remove locks S
     * first, S is no longer full and the insert only inserts (r4 = 0).
     */
    @JCStressTest
    @Description("A remove racing another writer's split of the key's segment removes the key; the others stay.")
    @Outcome(id = "1000, -1, 0, 1", expect = ACCEPTABLE, desc = "The insert split the segment first; the remove " +
        "removed the key from its child.")
    @Outcome(id = "1000, -1, 0, 0", expect = ACCEPTABLE, desc = "The remove came first; the insert did not split.")
    @Outcome(expect = FORBIDDEN, desc = "The removed key still mapped (r2 = 1000: removed from the replaced segment " +
        "only), r3 other keys lost, or the remove missed the key (r1 = -1).")
    @State
    public static class RemoveRacingSplit
    {
        final PresizedDocRefMap map = newMap();
        final long removed;
        final long[] kept;
        final int segmentsBefore;

        public RemoveRacingSplit()
        {
            fill(map, 0, FILL_LIMIT + 1, 1_000_000);
            require(directoryDepth(map) >= 2, "directory depth >= 2 after the top-bit-0 half split");
            removed = keyWithPrefix(1, 1, 2_000_000);
            map.put(removed, 1000);
            final long[] filled = fillRecorded(map, 1, 1, FILL_LIMIT - 1, removed + 1);
            require(map.segmentOf(removed).count == FILL_LIMIT, "the removed key's segment full");
            kept = concat(filled, keyWithPrefix(1, 1, filled[filled.length - 1] + 1));
            segmentsBefore = map.segmentCount();
        }

        @Actor
        public void remover(final JJJJ_Result r)
        {
            r.r1 = map.remove(removed);
        }

        @Actor
        public void inserter()
        {
            final long newKey = kept[kept.length - 1];
            map.put(newKey, newKey * 10);
        }

        @Arbiter
        public void arbiter(final JJJJ_Result r)
        {
            r.r2 = getUnlessRetired(map, removed);
            r.r3 = countLost(map, kept);
            r.r4 = map.segmentCount() - segmentsBefore;
            map.close();
        }
    }

    /**
     * (h) Two writers calling {@code putIfAbsent} with one new key: exactly one inserts, and the other gets the
     * winner's docRef back and changes nothing, the uniqueness a primary-key index relies on. The key's segment is
     * full, so the first to lock it splits it and inserts into a child; the other, which may have found the segment
     * before the split, must see it retired and find the key in the child.
     */
    @JCStressTest
    @Description("Two writers calling putIfAbsent with one key across its segment's split: exactly one inserts.")
    @Outcome(id = "-1, 1, 1", expect = ACCEPTABLE, desc = "Writer 1 inserted; writer 2 got its docRef back.")
    @Outcome(id = "2, -1, 2", expect = ACCEPTABLE, desc = "Writer 2 inserted; writer 1 got its docRef back.")
    @Outcome(expect = FORBIDDEN, desc = "Both inserted (-1, -1), the loser's value stored, or the key lost.")
    @State
    public static class TwoWritersPutIfAbsent
    {
        final PresizedDocRefMap map = newMap();
        final long key;

        public TwoWritersPutIfAbsent()
        {
            final long next = fill(map, 0, FILL_LIMIT / 2, 100);
            final long last = fill(map, 1, FILL_LIMIT - FILL_LIMIT / 2, next);
            require(map.segmentCount() == 1, "one full segment before the race");
            key = last;
        }

        @Actor
        public void writer1(final JJJ_Result r)
        {
            r.r1 = map.putIfAbsent(key, 1);
        }

        @Actor
        public void writer2(final JJJ_Result r)
        {
            r.r2 = map.putIfAbsent(key, 2);
        }

        @Arbiter
        public void arbiter(final JJJ_Result r)
        {
            r.r3 = getUnlessRetired(map, key);
            require(map.segmentCount() > 1, "the race split the segment");
            map.close();
        }
    }

    /**
     * (i) Two writers splitting two different segments, one of them at the directory's full depth so that the
     * directory doubles, both land, and so does every key already in the map. The directory has depth 2; writer A
     * inserts into the full segment of prefix 00 (local depth 2: a split that doubles the directory), writer B into
     * the full segment S of prefix 1 (local depth 1: a split that rewrites two directory entries in place). The
     * doubling must copy the directory as it stands under the directory lock, after any split published before it,
     * or the other split's entries are lost and its keys sit behind a retired segment.
     */
    @JCStressTest
    @Description("Two writers splitting two segments, one doubling the directory: both keys and all others land.")
    @Outcome(id = "5, 6, 0, 1", expect = ACCEPTABLE, desc = "Both new keys and every other key mapped; the directory " +
        "doubled once.")
    @Outcome(expect = FORBIDDEN, desc = "A new key missing (-1), behind a retired segment (-2) or with another " +
        "value, or r3 other keys lost: a split lost to the doubling.")
    @State
    public static class WritersRacingDoubling
    {
        final PresizedDocRefMap map = newMap();
        final long keyA;
        final long keyB;
        final long[] others;
        final int depthBefore;

        public WritersRacingDoubling()
        {
            final long[] low = fillRecorded(map, 1, 0, FILL_LIMIT + 1, 1_000_000);
            require(directoryDepth(map) == 2, "directory depth 2 after the top-bit-0 half split");
            final long probe00 = keyWithPrefix(2, 0b00, 1_500_000);
            require(map.segmentOf(probe00).localDepth == 2, "the 00 segment at the directory's depth");
            final long[] low00 = fillRecorded(map, 2, 0b00, FILL_LIMIT - map.segmentOf(probe00).count, probe00);
            final long[] high = fillRecorded(map, 1, 1, FILL_LIMIT, 2_000_000);
            require(map.segmentOf(probe00).count == FILL_LIMIT && map.segmentOf(high[0]).count == FILL_LIMIT,
                "both segments full");
            keyA = keyWithPrefix(2, 0b00, 3_000_000);
            keyB = keyWithPrefix(1, 1, 4_000_000);
            others = concat(concat(low, low00), high);
            depthBefore = directoryDepth(map);
        }

        @Actor
        public void writerA()
        {
            map.put(keyA, 5);
        }

        @Actor
        public void writerB()
        {
            map.put(keyB, 6);
        }

        @Arbiter
        public void arbiter(final JJJJ_Result r)
        {
            r.r1 = getUnlessRetired(map, keyA);
            r.r2 = getUnlessRetired(map, keyB);
            r.r3 = countLost(map, others);
            r.r4 = directoryDepth(map) - depthBefore;
            map.close();
        }
    }
}
