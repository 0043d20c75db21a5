package dev.docref.core;

import java.lang.reflect.Field;

import dev.docref.guard.PropertyValues;
import sun.misc.Unsafe;

/**
 * The one class in docref that touches raw memory: allocation, zeroing, freeing, and 8-byte loads and stores.
 * <p>
 * Nothing else in the code base holds an {@link Unsafe} or computes with addresses outside a
 * {@link Segment}'s own slot arithmetic, which always goes through this class.
 * <p>
 * <b>Why {@code sun.misc.Unsafe} and not Agrona's {@code UnsafeApi}.</b> Agrona 2.x's {@code UnsafeApi} binds to
 * {@code jdk.internal.misc.Unsafe}, so it fails at class initialisation with {@link IllegalAccessError} unless the JVM
 * was started with {@code --add-exports java.base/jdk.internal.misc=ALL-UNNAMED}. A library that database codebases
 * take as a dependency must not require a JVM flag to load, so docref uses {@code sun.misc.Unsafe} from the
 * {@code jdk.unsupported} module, which Java 17 exports to everyone. Both are intrinsified by the JIT to the same
 * machine instructions. On JDK 24 and later the JVM prints a one-time warning for {@code sun.misc.Unsafe} memory
 * access (JEP 498); the migration path is the FFM API once the baseline moves past Java 17.
 * <p>
 * <b>Thread-safety:</b> stateless; every method is as thread-safe as the memory it is pointed at.
 * <b>Ownership:</b> callers own what {@link #allocate(long)} returns and must {@link #free(long)} it exactly once.
 */
final class OffHeap
{
    /**
     * Whether slot accesses check their index against the segment's capacity. On by default, as in Agrona; turned
     * off with {@code -Ddocref.disable.bounds.checks=true} (see
     * {@link PresizedDocRefMap#DISABLE_BOUNDS_CHECKS_PROP_NAME}). Benchmarks turn it off in their forks; tests and
     * stress runs keep it on. Being {@code static final}, the JIT folds the check away when it is off, so the
     * property is read once, when this class is initialised. A value other than true or false leaves the checks on,
     * the safe reading, and every {@code build()} then throws, naming it ({@link #requireValidBoundsCheckProperty}):
     * the class initialiser does not throw, since a class whose initialiser threw cannot be used again, and every
     * later map would fail with only "Could not initialize class".
     */
    static final boolean SHOULD_BOUNDS_CHECK;
    /** What was wrong with the property's value when this class was initialised, or {@code null} if nothing. */
    private static final String BOUNDS_CHECK_PROPERTY_PROBLEM;

    private static final Unsafe UNSAFE;

    static
    {
        final String name = PresizedDocRefMap.DISABLE_BOUNDS_CHECKS_PROP_NAME;
        boolean disable = false;
        String problem = null;
        try
        {
            disable = PropertyValues.parseBoolean(name, System.getProperty(name, "false"));
        }
        catch (final IllegalArgumentException ex)
        {
            problem = ex.getMessage();
        }
        SHOULD_BOUNDS_CHECK = !disable;
        BOUNDS_CHECK_PROPERTY_PROBLEM = problem;
    }

    static
    {
        try
        {
            final Field field = Unsafe.class.getDeclaredField("theUnsafe");
            field.setAccessible(true);
            UNSAFE = (Unsafe)field.get(null);
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new ExceptionInInitializerError(
                "docref needs sun.misc.Unsafe from the jdk.unsupported module, which every Java 17+ runtime " +
                "provides; it was not accessible here (" + ex + "). Run on a full JDK/JRE image that includes " +
                "jdk.unsupported.");
        }
    }

    private OffHeap()
    {
    }

    /**
     * Refuse to build a map if {@code docref.disable.bounds.checks} held a bad value when docref was first used.
     *
     * @throws IllegalArgumentException naming the property, its value and the accepted values, on every call.
     */
    static void requireValidBoundsCheckProperty()
    {
        if (BOUNDS_CHECK_PROPERTY_PROBLEM != null)
        {
            throw new IllegalArgumentException(BOUNDS_CHECK_PROPERTY_PROBLEM + ". docref read it once, when this " +
                "JVM first used docref, and builds no map until the JVM is started again with a valid value (or " +
                "without it: bounds checks on); its bounds checks stay on meanwhile.");
        }
    }

    /**
     * Allocate {@code bytes} of native memory, zeroed, so that every page is touched now rather than on first use.
     *
     * @param bytes how many bytes, at least 1.
     * @return the address of the block; 16-byte aligned on every 64-bit platform malloc docref runs on.
     * @throws OutOfMemoryError if the operating system refuses the memory.
     */
    static long allocate(final long bytes)
    {
        final long address = UNSAFE.allocateMemory(bytes);
        UNSAFE.setMemory(address, bytes, (byte)0);
        return address;
    }

    /**
     * Allocate {@code bytes} of native memory without touching it. Its content is undefined until zeroed; its pages
     * are faulted in by whoever zeroes them.
     */
    static long allocateUntouched(final long bytes)
    {
        return UNSAFE.allocateMemory(bytes);
    }

    static void zero(final long address, final long bytes)
    {
        UNSAFE.setMemory(address, bytes, (byte)0);
    }

    /** Copy {@code bytes} from {@code from} to {@code to}; the ranges may overlap (memmove semantics). */
    static void copy(final long from, final long to, final long bytes)
    {
        UNSAFE.copyMemory(from, to, bytes);
    }

    static void free(final long address)
    {
        UNSAFE.freeMemory(address);
    }

    /** Bytes per element of an array of references on this JVM: 4 with compressed references, 8 without. */
    static int referenceBytes()
    {
        return UNSAFE.arrayIndexScale(Object[].class);
    }

    static long getLong(final long address)
    {
        return UNSAFE.getLong(address);
    }

    static void putLong(final long address, final long value)
    {
        UNSAFE.putLong(address, value);
    }
}
