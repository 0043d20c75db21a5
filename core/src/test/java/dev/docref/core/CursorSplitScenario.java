package dev.docref.core;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Test driver for a cursor whose segments split under it: fills a thread-safe map with keys {@code 0 .. keys - 1},
 * then walks a cursor through it, and at each {@link Step} stops the cursor in a chosen segment at a chosen slot and
 * puts new keys into that segment until it splits (or, for {@link Step#replaceOnly}, until it is replaced at all,
 * a grow included), then finishes the iteration.
 * <p>
 * What the cursor may miss of the keys present throughout, as its javadoc says, is an entry that sat at or after the
 * cursor's slot in a replaced segment, displaced from a home slot before it. The driver records those from the
 * segment's slots just before the put that replaced it; {@link Outcome#unexplainedMisses()} are the keys missed
 * beyond them.
 */
final class CursorSplitScenario
{
    /** New keys are drawn from here up, far above the keys the map is filled with. */
    private static final long FRESH_KEYS = 1L << 40;

    /**
     * One stop of the cursor.
     *
     * @param path        the segment to stop in: "" the one the first step split (for the first step: the first
     *                    segment the cursor reaches the slot in), then one character per split below it, '0' for
     *                    the low child and '1' for the high child.
     * @param at          how far into that segment to stop: the cursor's slot is at least this fraction of its home
     *                    slots.
     * @param replaceOnly stop putting once the segment is replaced, even by a grow; otherwise put until its range
     *                    splits.
     */
    record Step(String path, double at, boolean replaceOnly)
    {
        static Step split(final String path, final double at)
        {
            return new Step(path, at, false);
        }
    }

    /**
     * @param unexplainedMisses keys present throughout that the cursor did not yield and may not miss.
     * @param allowedMisses     how many keys sat displaced across the cursor when their segment was replaced.
     * @param stepsDone         how many steps were reached (all of them unless the driver was lenient).
     */
    record Outcome(Set<Long> unexplainedMisses, int allowedMisses, int stepsDone)
    {
    }

    private CursorSplitScenario()
    {
    }

    static long valueOf(final long key)
    {
        return key * 3 + 1;
    }

    /**
     * Run the steps. Strict: a step whose segment the cursor passes or that has no entry at the slot fails the test
     * (a scenario written for a fixed seed). Lenient: the remaining steps are dropped (random scenarios).
     */
    static Outcome run(final PresizedDocRefMap.Builder builder, final long hashSeed, final int keys,
        final List<Step> steps, final boolean strict)
    {
        try (PresizedDocRefMap map = builder.concurrency(Concurrency.THREAD_SAFE).hashSeed(hashSeed).build())
        {
            for (long key = 0; key < keys; key++)
            {
                map.put(key, valueOf(key));
            }
            final Set<Long> yielded = new HashSet<>();
            final Set<Long> allowed = new HashSet<>();
            final PresizedDocRefMap.Cursor cursor = map.cursor();
            long fresh = FRESH_KEYS;
            int rootDepth = -1;
            long rootPrefix = 0;
            int done = 0;
            for (final Step step : steps)
            {
                // Advance to the step's segment and slot.
                Segment target = null;
                int slot = -1;
                long last = 0;
                while (target == null)
                {
                    if (!cursor.next())
                    {
                        break;
                    }
                    last = record(cursor, yielded);
                    final long h = Hashing.mix(last, hashSeed);
                    final Segment current = map.segmentOf(last);
                    final int at = current.search(h) + 1;
                    final boolean reached = at >= Math.ceil(step.at() * current.capacity);
                    if (rootDepth < 0)
                    {
                        if (reached)
                        {
                            target = current;
                            slot = at;
                        }
                        continue;
                    }
                    final int depth = rootDepth + step.path().length();
                    final long prefix = (rootPrefix << step.path().length()) |
                        (step.path().isEmpty() ? 0 : Long.parseLong(step.path(), 2));
                    final long position = h >>> (64 - Directory.MAX_DEPTH);
                    final long end = (prefix + 1) << (Directory.MAX_DEPTH - depth);
                    if (position >= end)
                    {
                        break;
                    }
                    if (reached && current.localDepth == depth && prefixOf(h, depth) == prefix)
                    {
                        target = current;
                        slot = at;
                    }
                }
                if (target == null)
                {
                    assertTrue(!strict, "setup: the cursor passed segment '" + step.path() + "' of step " + done +
                        " without reaching " + step.at() + " of its slots");
                    break;
                }
                final long lastH = Hashing.mix(last, hashSeed);
                if (rootDepth < 0)
                {
                    rootDepth = target.localDepth;
                    rootPrefix = prefixOf(lastH, rootDepth);
                }
                // Put keys into its range until it is replaced, or until its range splits.
                final int depth = target.localDepth;
                final long prefix = prefixOf(lastH, depth);
                Set<Long> displacedAcross = Set.of();
                while (step.replaceOnly() ? !target.isRetired() : map.segmentOf(last).localDepth == depth)
                {
                    if (!target.isRetired())
                    {
                        displacedAcross = displacedAcross(target, slot, hashSeed);
                    }
                    while (prefixOf(Hashing.mix(fresh, hashSeed), depth) != prefix)
                    {
                        fresh++;
                    }
                    map.put(fresh, valueOf(fresh));
                    fresh++;
                }
                allowed.addAll(displacedAcross);
                done++;
            }
            while (cursor.next())
            {
                record(cursor, yielded);
            }
            final Set<Long> unexplained = new HashSet<>();
            for (long key = 0; key < keys; key++)
            {
                if (!yielded.contains(key) && !allowed.contains(key))
                {
                    unexplained.add(key);
                }
            }
            return new Outcome(unexplained, allowed.size(), done);
        }
    }

    private static long record(final PresizedDocRefMap.Cursor cursor, final Set<Long> yielded)
    {
        final long key = cursor.key();
        assertEquals(valueOf(key), cursor.value(), () -> "the cursor yielded key " + key + " with a wrong value");
        yielded.add(key);
        return key;
    }

    /** The top {@code depth} bits of a mixed key: the directory prefix of its segment at that depth. */
    private static long prefixOf(final long h, final int depth)
    {
        return depth == 0 ? 0 : h >>> (64 - depth);
    }

    /** Keys at or after {@code slot} whose home slot is before it: what a split may move left past the cursor. */
    private static Set<Long> displacedAcross(final Segment segment, final int slot, final long hashSeed)
    {
        final Set<Long> keys = new HashSet<>();
        for (int i = slot; i < segment.limit; i++)
        {
            if (segment.storedAt(i) != 0 && Segment.home(segment.hashAt(i), segment.capacity) < slot)
            {
                keys.add(Hashing.unmix(segment.hashAt(i), hashSeed));
            }
        }
        return keys;
    }

    /** Split steps from a random draw: each goes into the low or high child of the one before. */
    static List<Step> descending(final List<Boolean> highs, final List<Double> ats)
    {
        final List<Step> steps = new ArrayList<>();
        final StringBuilder path = new StringBuilder();
        for (int i = 0; i < Math.min(highs.size(), ats.size()); i++)
        {
            steps.add(Step.split(path.toString(), ats.get(i)));
            path.append(highs.get(i) ? '1' : '0');
        }
        return steps;
    }
}
