package dev.docref.trap;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.LongFunction;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Off-CPU stacks in the folded format of Brendan Gregg's {@code flamegraph.pl}: one stack per line, frames from the
 * root (the thread's name) to the leaf separated by {@code ;}, then a space and the microseconds spent off-CPU in
 * that stack, e.g. {@code blocked-0;start_thread;futex_wait_[k];schedule_[k] 6309032}.
 * <p>
 * Kernel frames carry the {@code _[k]} suffix that {@code flamegraph.pl} and {@link FlameGraph} colour as kernel
 * code. {@link #parse(String, Predicate)} reads both shapes the off-CPU tools print: folded lines (BCC's Python
 * {@code offcputime -f}, or a {@code docref.trap.command}) and the multi-line blocks of BCC's libbpf-tools
 * {@code offcputime}. Identical stacks are merged by adding their microseconds.
 * <p>
 * <b>Thread-safety:</b> immutable once parsed or built; safe to share.
 */
public final class FoldedStacks
{
    /** The suffix that marks a kernel frame, as {@code flamegraph.pl --colors} expects. */
    public static final String KERNEL_SUFFIX = "_[k]";

    /** The end line of one libbpf-tools block: {@code "    -                blocked-0 (11812)"}. */
    private static final Pattern THREAD_LINE = Pattern.compile("^\\s+-\\s+(.*?)\\s*\\((\\d+)\\)\\s*$");
    private static final Pattern MICROS = Pattern.compile("\\d+");
    /**
     * Frames of the tracer itself at the leaf end of a stack: libbpf-tools' program runs on the {@code sched_switch}
     * tracepoint, so every kernel stack it records ends in its own BPF program and {@code bpf_trace_run4}. They say
     * nothing about why the thread left the CPU.
     */
    private static final Pattern TRACER_FRAME = Pattern.compile("bpf_prog_[0-9a-f]+_.*|bpf_trace_run\\d+");

    private static final FoldedStacks EMPTY = new FoldedStacks(new TreeMap<>());

    /** Stack (root first, {@code ;}-separated) to microseconds, sorted by stack for a stable output. */
    private final TreeMap<String, Long> micros;
    private final long totalMicros;

    private FoldedStacks(final TreeMap<String, Long> micros)
    {
        this.micros = micros;
        long total = 0;
        for (final long value : micros.values())
        {
            total = saturatedAdd(total, value);
        }
        this.totalMicros = total;
    }

    /** @return no stacks. */
    public static FoldedStacks empty()
    {
        return EMPTY;
    }

    /**
     * Builds stacks from a map of folded stack to microseconds; stacks that occur twice are impossible in a map.
     *
     * @throws IllegalArgumentException if a stack is empty or a count is negative.
     */
    public static FoldedStacks of(final Map<String, Long> stackMicros)
    {
        final TreeMap<String, Long> copy = new TreeMap<>();
        for (final Map.Entry<String, Long> entry : stackMicros.entrySet())
        {
            if (entry.getKey().isEmpty() || entry.getValue() < 0)
            {
                throw new IllegalArgumentException("stack \"" + entry.getKey() + "\" with " + entry.getValue() +
                    " us: a stack needs at least one frame and 0 or more microseconds");
            }
            copy.merge(entry.getKey(), entry.getValue(), FoldedStacks::saturatedAdd);
        }
        return new FoldedStacks(copy);
    }

    /**
     * Parses an off-CPU tool's output in either shape, detected from the text: libbpf-tools blocks if any line is a
     * {@code "    -   comm (tid)"} thread line, folded lines otherwise.
     *
     * @param text           the tool's standard output.
     * @param kernelSymbols  tells whether a name is a kernel symbol, to mark the kernel frames of libbpf-tools
     *                       blocks (their text does not say where the kernel stack ends); {@code name -> false}
     *                       marks none.
     * @throws IllegalArgumentException naming the line that is neither shape.
     */
    public static FoldedStacks parse(final String text, final Predicate<String> kernelSymbols)
    {
        return parse(text, kernelSymbols, tid -> null);
    }

    /**
     * As {@link #parse(String, Predicate)}, naming the thread of each libbpf-tools block by {@code javaThreads} where
     * it knows the block's tid (see {@link #parseMultiLine(String, Predicate, LongFunction)}); folded lines carry no
     * tid, so their threads keep the tool's names.
     */
    static FoldedStacks parse(
        final String text, final Predicate<String> kernelSymbols, final LongFunction<String> javaThreads)
    {
        return hasThreadLines(text) ? parseMultiLine(text, kernelSymbols, javaThreads) : parseFolded(text);
    }

    /** @return whether {@code text} has a libbpf-tools {@code "    -   comm (tid)"} thread line. */
    static boolean hasThreadLines(final String text)
    {
        for (final String line : text.split("\n"))
        {
            if (THREAD_LINE.matcher(line).matches())
            {
                return true;
            }
        }
        return false;
    }

    /**
     * Parses folded lines: {@code frame;frame;frame 123}. Blank lines are skipped; a frame may contain spaces, the
     * count is after the last one.
     *
     * @throws IllegalArgumentException naming the first line that is not a folded stack.
     */
    public static FoldedStacks parseFolded(final String text)
    {
        final TreeMap<String, Long> micros = new TreeMap<>();
        final String[] lines = text.split("\n");
        for (int i = 0; i < lines.length; i++)
        {
            final String line = lines[i].strip();
            if (line.isEmpty())
            {
                continue;
            }
            final int space = line.lastIndexOf(' ');
            final String count = space < 0 ? "" : line.substring(space + 1);
            final String stack = space < 0 ? "" : line.substring(0, space).strip();
            if (stack.isEmpty() || !MICROS.matcher(count).matches())
            {
                throw new IllegalArgumentException("line " + (i + 1) + " \"" + abbreviate(line) + "\" is not a " +
                    "folded stack; expected frames separated by ';', a space, and a whole number of microseconds, " +
                    "e.g. \"java;start_thread;futex_wait_[k] 1500\"");
            }
            micros.merge(stack, parseMicros(count, i + 1), FoldedStacks::saturatedAdd);
        }
        return new FoldedStacks(micros);
    }

    /**
     * Parses the output of BCC's libbpf-tools {@code offcputime -p PID SECONDS}: blocks separated by blank lines,
     * each the kernel frames then the user frames, leaf first, one per line, then {@code "    -   comm (tid)"} and
     * the microseconds. A block becomes {@code comm;user frames root first;kernel frames root first}; the leading
     * frames that are kernel symbols get {@link #KERNEL_SUFFIX}; the tracer's own frames at the leaf are dropped.
     *
     * @throws IllegalArgumentException naming the first line that breaks the shape.
     */
    public static FoldedStacks parseMultiLine(final String text, final Predicate<String> kernelSymbols)
    {
        return parseMultiLine(text, kernelSymbols, tid -> null);
    }

    /**
     * As {@link #parseMultiLine(String, Predicate)}, with each block's thread named by {@code javaThreads}, given the
     * block's tid (the number in {@code "-  comm (tid)"}, the {@code nid} of a thread dump), where it returns a name:
     * {@code comm} is the kernel's name of the thread, cut to 15 characters ({@code docref-a-very-l}) and
     * {@code java} for the JVM's main thread, which inherits the launcher's. A {@code ;} in a Java name becomes
     * {@code _}, as it would split the folded stack.
     *
     * @param javaThreads the Java name of the thread with this tid, or {@code null} where it knows none (a thread
     *                    that ended before the dump, or a thread of the JVM's own, which a dump may not list).
     */
    static FoldedStacks parseMultiLine(
        final String text, final Predicate<String> kernelSymbols, final LongFunction<String> javaThreads)
    {
        final TreeMap<String, Long> micros = new TreeMap<>();
        final List<String> frames = new ArrayList<>();
        String thread = null;
        final String[] lines = text.split("\n");
        for (int i = 0; i < lines.length; i++)
        {
            final String line = lines[i].strip();
            if (thread != null)
            {
                if (!MICROS.matcher(line).matches())
                {
                    throw new IllegalArgumentException("line " + (i + 1) + " \"" + abbreviate(line) + "\" should be " +
                        "the microseconds of thread \"" + thread + "\": libbpf-tools offcputime prints each stack's " +
                        "frames, a line \"-  comm (tid)\", then a whole number");
                }
                micros.merge(foldBlock(thread, frames, kernelSymbols), parseMicros(line, i + 1),
                    FoldedStacks::saturatedAdd);
                frames.clear();
                thread = null;
                continue;
            }
            if (line.isEmpty())
            {
                continue;
            }
            final Matcher threadLine = THREAD_LINE.matcher(lines[i]);
            if (threadLine.matches())
            {
                // A tid of more digits than a long holds is no thread's: no Java name.
                final String tid = threadLine.group(2);
                final String javaName = tid.length() > 18 ? null : javaThreads.apply(Long.parseLong(tid));
                thread = javaName != null ? javaName.replace(';', '_') :
                    threadLine.group(1).isEmpty() ? "[unnamed]" : threadLine.group(1);
            }
            else
            {
                frames.add(line);
            }
        }
        if (thread != null || !frames.isEmpty())
        {
            throw new IllegalArgumentException("the output ends inside a stack (" + frames.size() + " frames" +
                (thread == null ? "" : " of thread \"" + thread + "\"") + " without microseconds): was the tool " +
                "killed while printing?");
        }
        return new FoldedStacks(micros);
    }

    /** Marks every frame but the first (the thread) as kernel: BCC's Python tool with {@code -K} prints only those. */
    FoldedStacks markAllKernel()
    {
        final TreeMap<String, Long> marked = new TreeMap<>();
        for (final Map.Entry<String, Long> entry : micros.entrySet())
        {
            final String[] frames = entry.getKey().split(";");
            final StringBuilder stack = new StringBuilder(frames[0]);
            for (int i = 1; i < frames.length; i++)
            {
                stack.append(';').append(frames[i]);
                if (!frames[i].endsWith(KERNEL_SUFFIX))
                {
                    stack.append(KERNEL_SUFFIX);
                }
            }
            marked.merge(stack.toString(), entry.getValue(), FoldedStacks::saturatedAdd);
        }
        return new FoldedStacks(marked);
    }

    /** @return stack (frames root first, {@code ;}-separated) to microseconds, sorted by stack; unmodifiable. */
    public Map<String, Long> stacks()
    {
        return Collections.unmodifiableMap(micros);
    }

    /** @return the number of distinct stacks. */
    public int size()
    {
        return micros.size();
    }

    /** @return whether there are no stacks. */
    public boolean isEmpty()
    {
        return micros.isEmpty();
    }

    /** @return the microseconds of all stacks added up (saturating at {@link Long#MAX_VALUE}). */
    public long totalMicros()
    {
        return totalMicros;
    }

    /**
     * @param n how many, 0 or more.
     * @return the {@code n} stacks with the most microseconds, most first; ties in stack order.
     */
    public List<Map.Entry<String, Long>> top(final int n)
    {
        if (n < 0)
        {
            throw new IllegalArgumentException("n = " + n + ": must be 0 or more");
        }
        final List<Map.Entry<String, Long>> entries = new ArrayList<>(micros.entrySet());
        entries.sort(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder())
            .thenComparing(Map.Entry.comparingByKey()));
        return List.copyOf(entries.subList(0, Math.min(n, entries.size())));
    }

    /** @return the folded text: one {@code stack micros} line per stack, sorted by stack, each ending in a newline. */
    public String toFoldedText()
    {
        final StringBuilder text = new StringBuilder();
        for (final Map.Entry<String, Long> entry : micros.entrySet())
        {
            text.append(entry.getKey()).append(' ').append(entry.getValue()).append('\n');
        }
        return text.toString();
    }

    @Override
    public boolean equals(final Object other)
    {
        return other instanceof FoldedStacks && micros.equals(((FoldedStacks)other).micros);
    }

    @Override
    public int hashCode()
    {
        return Objects.hash(micros);
    }

    @Override
    public String toString()
    {
        return "FoldedStacks{stacks=" + micros.size() + ", totalMicros=" + totalMicros + "}";
    }

    private static String foldBlock(final String thread, final List<String> leafFirst, final Predicate<String> kernel)
    {
        // The block lists kernel frames, then user frames, each leaf first. Kernel frames are the leading run of
        // names that are kernel symbols; the run stops at the first user frame.
        int kernelFrames = 0;
        // The tracer's BPF program is unloaded (and gone from /proc/kallsyms) by the time its output is parsed.
        while (kernelFrames < leafFirst.size() && (kernel.test(leafFirst.get(kernelFrames)) ||
            TRACER_FRAME.matcher(leafFirst.get(kernelFrames)).matches()))
        {
            kernelFrames++;
        }
        int leaf = 0;
        while (leaf < kernelFrames && TRACER_FRAME.matcher(leafFirst.get(leaf)).matches())
        {
            leaf++;
        }
        final StringBuilder stack = new StringBuilder(frameName(thread));
        for (int i = leafFirst.size() - 1; i >= leaf; i--)
        {
            stack.append(';').append(frameName(leafFirst.get(i)));
            if (i < kernelFrames)
            {
                stack.append(KERNEL_SUFFIX);
            }
        }
        return stack.toString();
    }

    /** A frame name cannot hold the separator; C++ and Java names rarely do, and never meaningfully. */
    private static String frameName(final String name)
    {
        return name.replace(';', ':');
    }

    private static long parseMicros(final String digits, final int lineNumber)
    {
        try
        {
            return Long.parseLong(digits);
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException("line " + lineNumber + ": " + digits + " microseconds is more than " +
                Long.MAX_VALUE, ex);
        }
    }

    private static long saturatedAdd(final long a, final long b)
    {
        final long sum = a + b;
        return ((a ^ sum) & (b ^ sum)) < 0 ? Long.MAX_VALUE : sum;
    }

    private static String abbreviate(final String line)
    {
        return line.length() <= 120 ? line : Excerpt.head(line, 117) + "...";
    }
}
