package dev.docref.core;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Model-based properties: random operation sequences run against {@link PresizedDocRefMap} and
 * {@link java.util.HashMap} side by side, and every result must agree.
 * <p>
 * Both {@link Concurrency} variants run the same properties. Maps start tiny with small segments so that sequences
 * pass through many grows, splits and directory doublings.
 * Keys mix the edge values, small sequential ids (so keys repeat and updates and removes hit), strides of 2^40,
 * keys sharing their low 32 bits, keys sharing their high 32 bits, and random keys.
 */
class PresizedDocRefMapModelTest
{
    enum Kind
    {
        PUT, PUT_IF_ABSENT, GET, GET_ALL, CONTAINS, REMOVE, CLEAR, SIZE, ITERATE
    }

    record Op(Kind kind, long key, long value)
    {
    }

    /** {@code groupBytes}: pre-sized segments allocated in groups of that many bytes (as for huge pages), or 0. */
    record Config(long expectedEntries, int segmentBytes, double loadFactor, long missingValue, long seed,
        Concurrency concurrency, Growth growth, long groupBytes)
    {
        PresizedDocRefMap build()
        {
            return PresizedDocRefMap.builder()
                .concurrency(concurrency)
                .growth(growth)
                .expectedEntries(expectedEntries)
                .segmentBytes(segmentBytes)
                .loadFactor(loadFactor)
                .missingValue(missingValue)
                .hashSeed(seed)
                .groupBytes(groupBytes)
                .build();
        }
    }

    @Property(tries = 1000)
    void behavesLikeHashMap(@ForAll("configs") final Config config, @ForAll("operations") final List<Op> ops)
    {
        final Map<Long, Long> model = new HashMap<>();
        final long missing = config.missingValue();
        try (PresizedDocRefMap map = config.build())
        {
            for (final Op op : ops)
            {
                apply(map, model, missing, op);
                assertEquals(model.size(), map.size(), () -> "size after " + op);
            }
            assertSameContents(map, model);
            assertTrue(map.capacity() >= map.size(), "capacity covers size");
        }
    }

    static void apply(final PresizedDocRefMap map, final Map<Long, Long> model, final long missing, final Op op)
    {
        final long key = op.key();
        final long value = op.value();
        switch (op.kind())
        {
            case PUT:
                if (value == missing)
                {
                    assertThrows(IllegalArgumentException.class, () -> map.put(key, value));
                    assertEquals(orMissing(model.get(key), missing), map.get(key), "rejected put left entry");
                }
                else
                {
                    assertEquals(orMissing(model.put(key, value), missing), map.put(key, value), op::toString);
                }
                break;
            case PUT_IF_ABSENT:
                if (value == missing)
                {
                    assertThrows(IllegalArgumentException.class, () -> map.putIfAbsent(key, value));
                }
                else
                {
                    assertEquals(orMissing(model.putIfAbsent(key, value), missing), map.putIfAbsent(key, value),
                        op::toString);
                }
                break;
            case GET:
                assertEquals(orMissing(model.get(key), missing), map.get(key), op::toString);
                break;
            case GET_ALL:
                assertGetAll(map, model, missing, key, value);
                break;
            case CONTAINS:
                assertEquals(model.containsKey(key), map.containsKey(key), op::toString);
                break;
            case REMOVE:
                assertEquals(orMissing(model.remove(key), missing), map.remove(key), op::toString);
                break;
            case CLEAR:
                // The preparer thread may still be adding blocks to the map's reserve after its last split.
                awaitPreparerIdle();
                final long bytes = map.offHeapBytes();
                model.clear();
                map.clear();
                assertTrue(map.isEmpty());
                assertEquals(bytes, map.offHeapBytes(), "clear keeps the memory");
                break;
            case SIZE:
                assertEquals(model.isEmpty(), map.isEmpty());
                break;
            case ITERATE:
                assertSameContents(map, model);
                break;
            default:
                throw new AssertionError(op);
        }
    }

    /**
     * getAll over every key the model holds and, interleaved, keys near {@code key} (mostly absent), in a range that
     * {@code value} trims at either end; checks every value in the range, the found count, and that nothing outside
     * the range is written.
     */
    static void assertGetAll(final PresizedDocRefMap map, final Map<Long, Long> model, final long missing,
        final long key, final long value)
    {
        final long[] keys = new long[2 * model.size() + 3];
        int n = 0;
        for (final Long held : model.keySet())
        {
            keys[n++] = held;
            keys[n++] = key + n;
        }
        keys[n++] = key;
        keys[n++] = key ^ Long.MIN_VALUE;
        keys[n++] = key;
        final int from = (int)Math.floorMod(value, Math.min(keys.length, 20) + 1);
        final int to = keys.length - (int)Math.floorMod(value >>> 8, Math.min(keys.length - from, 20) + 1);
        final long unwritten = ~missing;
        final long[] values = new long[keys.length];
        java.util.Arrays.fill(values, unwritten);
        final int found = map.getAll(keys, from, to, values);
        int expectedFound = 0;
        for (int i = 0; i < keys.length; i++)
        {
            final Long held = model.get(keys[i]);
            final boolean inRange = i >= from && i < to;
            final long expected = inRange ? orMissing(held, missing) : unwritten;
            final int index = i;
            assertEquals(expected, values[i], () -> "getAll [" + from + ", " + to + ") of " + keys.length +
                " keys: values[" + index + "] for key " + keys[index]);
            expectedFound += inRange && held != null ? 1 : 0;
        }
        assertEquals(expectedFound, found, "getAll's found count over [" + from + ", " + to + ")");
    }

    static long orMissing(final Long value, final long missing)
    {
        return value == null ? missing : value;
    }

    static void assertSameContents(final PresizedDocRefMap map, final Map<Long, Long> model)
    {
        final Map<Long, Long> viaCursor = new HashMap<>();
        final PresizedDocRefMap.Cursor cursor = map.cursor();
        while (cursor.next())
        {
            final Long previous = viaCursor.put(cursor.key(), cursor.value());
            assertEquals(null, previous, "cursor visited key " + cursor.key() + " twice");
        }
        assertEquals(model, viaCursor, "cursor contents");

        final Map<Long, Long> viaForEach = new HashMap<>();
        map.forEach((k, v) -> assertEquals(null, viaForEach.put(k, v), "forEach visited key twice"));
        assertEquals(model, viaForEach, "forEach contents");

        for (final Map.Entry<Long, Long> entry : model.entrySet())
        {
            assertEquals(entry.getValue().longValue(), map.get(entry.getKey()), "get " + entry.getKey());
        }
    }

    @Provide
    Arbitrary<Config> configs()
    {
        return Combinators.combine(
            Arbitraries.of(0L, 1L, 16L, 100L, 1000L),
            Arbitraries.of(512, 1024, 2048, 4096, 65536),
            Arbitraries.of(0.5, 0.75, 0.875, 0.95),
            Arbitraries.oneOf(Arbitraries.of(-1L, 0L, Long.MIN_VALUE, Long.MAX_VALUE), Arbitraries.longs()),
            Arbitraries.longs(),
            Arbitraries.of(Concurrency.values()),
            Arbitraries.of(Growth.values()),
            Arbitraries.of(0L, 2048L, 8192L, 65536L)).as(Config::new);
    }

    @Provide
    Arbitrary<List<Op>> operations()
    {
        final Arbitrary<Kind> kinds = Arbitraries.frequencyOf(
            net.jqwik.api.Tuple.of(35, Arbitraries.just(Kind.PUT)),
            net.jqwik.api.Tuple.of(10, Arbitraries.just(Kind.PUT_IF_ABSENT)),
            net.jqwik.api.Tuple.of(20, Arbitraries.just(Kind.GET)),
            net.jqwik.api.Tuple.of(3, Arbitraries.just(Kind.GET_ALL)),
            net.jqwik.api.Tuple.of(8, Arbitraries.just(Kind.CONTAINS)),
            net.jqwik.api.Tuple.of(18, Arbitraries.just(Kind.REMOVE)),
            net.jqwik.api.Tuple.of(1, Arbitraries.just(Kind.CLEAR)),
            net.jqwik.api.Tuple.of(4, Arbitraries.just(Kind.SIZE)),
            net.jqwik.api.Tuple.of(2, Arbitraries.just(Kind.ITERATE)));
        return Combinators.combine(kinds, keys(), values()).as(Op::new).list().ofMinSize(200).ofMaxSize(400);
    }

    static Arbitrary<Long> keys()
    {
        return Arbitraries.frequencyOf(
            net.jqwik.api.Tuple.of(3, Arbitraries.of(0L, -1L, 1L, Long.MIN_VALUE, Long.MAX_VALUE,
                Long.MIN_VALUE + 1, Long.MAX_VALUE - 1)),
            net.jqwik.api.Tuple.of(5, Arbitraries.longs().between(0, 300)),
            net.jqwik.api.Tuple.of(2, Arbitraries.integers().between(0, 200).map(i -> (long)i << 40)),
            net.jqwik.api.Tuple.of(2, Arbitraries.integers().between(0, 200).map(i -> ((long)i << 32) | 0x1234L)),
            net.jqwik.api.Tuple.of(2, Arbitraries.integers().between(0, 200).map(i -> 0x7654_3210_0000_0000L | i)),
            net.jqwik.api.Tuple.of(2, Arbitraries.longs()));
    }

    static Arbitrary<Long> values()
    {
        return Arbitraries.oneOf(
            Arbitraries.of(-1L, 0L, 1L, Long.MIN_VALUE, Long.MAX_VALUE),
            Arbitraries.longs());
    }

    /** Wait for the block preparer thread to finish what the maps asked of it, so that memory is stable. */
    static void awaitPreparerIdle()
    {
        try
        {
            assertTrue(BlockPreparer.awaitIdle(10_000), "the block preparer went idle within 10 s");
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for the block preparer", ex);
        }
    }
}
