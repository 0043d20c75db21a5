package dev.docref.examples;

import java.io.PrintStream;
import java.util.Locale;

import dev.docref.core.PresizedDocRefMap;
import dev.docref.guard.AllocationGuard;
import dev.docref.guard.PropertyValues;

/**
 * The smallest use of {@link PresizedDocRefMap}: size it for the entries you expect with {@code withCapacity}, put,
 * get, close. It shows that a map sized up front allocates nothing more while it fills.
 * <p>
 * Run: {@code java -cp examples/target/incident-replay.jar dev.docref.examples.QuickStart} (after
 * {@code mvn -B -q -pl examples -am package -DskipTests}).
 * <p>
 * <b>Thread-safety and ownership:</b> single-threaded here, though the map is thread-safe; the try-with-resources
 * block owns the map, and {@code close()} frees its native memory.
 */
public final class QuickStart
{
    /** The command's name, as its errors begin. */
    static final String COMMAND = "quick-start";
    /** How many documents the example indexes. */
    static final long ENTRIES = 1_000_000;

    private QuickStart()
    {
    }

    /** The command line, printed for {@code --help} and under an error. */
    static final String USAGE = "usage: java -cp examples/target/incident-replay.jar dev.docref.examples.QuickStart" +
        "\n\nFills a map sized up front with withCapacity and reads it back; it takes no arguments.";

    /**
     * Runs the example; prints what it does. With {@code --help}, prints the usage; with anything else, exits 2. A bad
     * {@code docref.guard.*} system property, which the map's guard reads at first use, ends it with one line naming
     * the property, the value and what is accepted, and exit status 1.
     */
    public static void main(final String[] args)
    {
        if (args.length == 1 && ("--help".equals(args[0]) || "-h".equals(args[0])))
        {
            System.out.println(USAGE);
            return;
        }
        if (args.length > 0)
        {
            System.err.println(COMMAND + ": it takes no arguments, but was given: " + String.join(" ", args) +
                "; run it with none\n\n" + USAGE);
            System.exit(2);
        }
        try
        {
            // The map's guard, read here so that a bad property is the user's one-line error, not a stack trace.
            ExampleFailure.ofSettings(AllocationGuard::global);
        }
        catch (final ExampleFailure ex)
        {
            System.exit(ex.print(COMMAND, System.err));
        }
        run(System.out);
    }

    /**
     * @return the docRef it read back for the document with row id 42, which is 42.
     */
    static long run(final PrintStream out)
    {
        final long docRef;
        try (PresizedDocRefMap index = PresizedDocRefMap.withCapacity(ENTRIES))
        {
            final long offHeapBefore = index.offHeapBytes();
            out.printf(Locale.ROOT, "withCapacity(%,d): %,d segments, %s off-heap, capacity %,d, largest single " +
                "allocation %s%n", ENTRIES, index.segmentCount(), PropertyValues.formatBytes(offHeapBefore),
                index.capacity(), PropertyValues.formatBytes(index.largestAllocationBytes()));

            // Primary key -> docRef: here the key is a scrambled id and the docRef the document's row number.
            for (long row = 0; row < ENTRIES; row++)
            {
                index.put(primaryKey(row), row);
            }
            out.printf(Locale.ROOT, "put %,d keys: size %,d, off-heap %s (%s while filling)%n", ENTRIES,
                index.size(), PropertyValues.formatBytes(index.offHeapBytes()),
                index.offHeapBytes() == offHeapBefore ? "nothing allocated" : "grew by " +
                    PropertyValues.formatBytes(index.offHeapBytes() - offHeapBefore));

            docRef = index.get(primaryKey(42));
            out.printf(Locale.ROOT, "get(primary key of row 42) = %d; get(a key never put) = %d (missingValue)%n",
                docRef, index.get(primaryKey(ENTRIES + 1)));
            out.printf(Locale.ROOT, "put(primary key of row 42, 4242) returned %d, the previous docRef; remove " +
                "returned %d%n", index.put(primaryKey(42), 4242), index.remove(primaryKey(42)));
        }
        out.println("closed: the map's native memory is freed");
        return docRef;
    }

    /** A primary key per row: any 64-bit value works, here a bijective scramble of the row number. */
    static long primaryKey(final long row)
    {
        return row * 0x9E3779B97F4A7C15L;
    }
}
