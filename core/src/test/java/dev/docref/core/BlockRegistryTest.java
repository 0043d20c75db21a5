package dev.docref.core;

import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class BlockRegistryTest
{
    @Test
    void recordsRemovesAndDrainsEveryBlockOfABillionEntryMap()
    {
        final BlockRegistry registry = new BlockRegistry();
        final Map<Long, Long> model = new HashMap<>();
        final SplittableRandom random = new SplittableRandom(4);
        // 262,144 blocks: a billion-entry map at the default segment size. Addresses 64-byte aligned like malloc's.
        for (int i = 0; i < 262_144; i++)
        {
            final long address = (random.nextLong() & 0x0000_7FFF_FFFF_FFC0L) | 0x40L;
            final long bytes = 1 + random.nextInt(131_072);
            if (model.put(address, bytes) == null)
            {
                registry.add(address, bytes);
            }
        }
        assertEquals(model.size(), registry.size());
        int removed = 0;
        for (final Map.Entry<Long, Long> entry : Map.copyOf(model).entrySet())
        {
            if (removed++ % 3 == 0)
            {
                assertEquals(entry.getValue().longValue(), registry.remove(entry.getKey()));
                model.remove(entry.getKey());
            }
        }
        assertEquals(-1L, registry.remove(12345L), "unknown address");
        assertEquals(model.size(), registry.size());
        final Map<Long, Long> drained = new HashMap<>();
        registry.drain((address, bytes) -> assertEquals(null, drained.put(address, bytes)));
        assertEquals(model, drained);
        assertEquals(0, registry.size());
        assertEquals(-1L, registry.remove(drained.keySet().iterator().next()), "forgotten after drain");
    }
}
