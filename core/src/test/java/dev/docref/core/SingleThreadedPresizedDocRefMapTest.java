package dev.docref.core;

import java.util.ConcurrentModificationException;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SingleThreadedPresizedDocRefMapTest extends PresizedDocRefMapTest
{
    Concurrency concurrency()
    {
        return Concurrency.SINGLE_THREADED;
    }

    @Test
    void addingOrRemovingWhileIteratingFailsFast()
    {
        try (PresizedDocRefMap map = withCapacity(100))
        {
            for (int i = 0; i < 50; i++)
            {
                map.put(i, i * 10);
            }
            final PresizedDocRefMap.Cursor cursor = map.cursor();
            assertTrue(cursor.next());
            map.put(1000, 1);
            assertThrows(ConcurrentModificationException.class, cursor::next);
            cursor.reset();
            assertTrue(cursor.next());
            map.put(1000, 2);
            assertTrue(cursor.next(), "updating an existing key is not a structural change");
            assertThrows(ConcurrentModificationException.class, () -> map.forEach((k, v) -> map.remove(k)));
        }
    }
}
