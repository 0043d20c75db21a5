package dev.docref.core;

import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;

/**
 * The refusal of a pre-sized map that could never fit: {@code withCapacity} allocates and zeroes all its memory up
 * front, so a map larger than the machine's memory and swap together would not fail with an
 * {@link OutOfMemoryError} but would have the operating system's out-of-memory killer end the whole JVM part way
 * through its zeroing.
 * <p>
 * The sizes come from {@code com.sun.management.OperatingSystemMXBean}, which reports a container's limits inside a
 * container. Only maps of at least {@link #CHECKED_BYTES} are checked, so that small maps never load the management
 * classes; a runtime without the {@code jdk.management} module is not checked.
 * <p>
 * <b>Thread-safety:</b> stateless.
 */
final class MachineMemory
{
    /** Up-front allocations from this size on are checked against the machine's memory. */
    static final long CHECKED_BYTES = 256L << 20;

    private MachineMemory()
    {
    }

    /**
     * Throw if {@code bytes} exceed the machine's memory and swap together.
     *
     * @throws OutOfMemoryError naming the bytes, the machine's memory and what to do; nothing has been allocated.
     */
    static void requireRoomFor(final long bytes, final String context)
    {
        if (bytes < CHECKED_BYTES)
        {
            return;
        }
        final long[] sizes = memoryAndSwap();
        if (sizes != null)
        {
            requireRoomFor(bytes, sizes[0], sizes[1], context);
        }
    }

    static void requireRoomFor(final long bytes, final long memory, final long swap, final String context)
    {
        if (memory > 0 && bytes > memory + Math.max(0, swap))
        {
            throw new OutOfMemoryError("docref will not allocate " + NativeMemory.formatBytes(bytes) +
                " of native memory for the up-front allocation of withCapacity (" + context + "): this machine has " +
                NativeMemory.formatBytes(memory) + " of memory and " + NativeMemory.formatBytes(Math.max(0, swap)) +
                " of swap, and zeroing a map larger than both would get the JVM killed by the operating system. " +
                "Ask for fewer entries, or split the keys over maps on several machines.");
        }
    }

    /** @return {memory, swap} in bytes, or null where the runtime does not report them. */
    private static long[] memoryAndSwap()
    {
        try
        {
            final OperatingSystemMXBean bean = ManagementFactory.getOperatingSystemMXBean();
            if (bean instanceof com.sun.management.OperatingSystemMXBean)
            {
                final com.sun.management.OperatingSystemMXBean os = (com.sun.management.OperatingSystemMXBean)bean;
                return new long[] {os.getTotalMemorySize(), os.getTotalSwapSpaceSize()};
            }
            return null;
        }
        catch (final LinkageError ex)
        {
            return null;
        }
    }
}
