package dev.docref.trap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class FoldedStacksTest
{
    /** U+1F525 FIRE: one character, two chars (a surrogate pair). */
    private static final String FIRE = "\uD83D\uDD25";

    /** Kernel names of the synthetic blocks below. */
    private static final Predicate<String> KERNEL = Set.of("bpf_prog_6896d07dd3e1383c_sched_switch",
        "bpf_trace_run4", "__schedule", "schedule", "futex_wait", "do_syscall_64",
        "entry_SYSCALL_64_after_hwframe")::contains;

    private static final String BLOCKS = String.join("\n",
        "    bpf_prog_6896d07dd3e1383c_sched_switch",
        "    bpf_trace_run4",
        "    __schedule",
        "    schedule",
        "    futex_wait",
        "    do_syscall_64",
        "    entry_SYSCALL_64_after_hwframe",
        "    __lll_lock_wait",
        "    start_thread",
        "    -                blocked-0 (11812)",
        "        6309032",
        "",
        "    __schedule",
        "    schedule",
        "    [unknown]",
        "    -                VM Periodic Tas (11761)",
        "        2960014",
        "",
        "    __schedule",
        "    schedule",
        "    [unknown]",
        "    -                VM Periodic Tas (11762)",
        "        40",
        "",
        "    -                Common-Cleaner (11810)",
        "        7",
        "");

    @Test
    void foldedLinesAreParsedAndIdenticalStacksMerged()
    {
        final FoldedStacks stacks = FoldedStacks.parseFolded("java;a;b 100\n\njava;a;c 50\njava;a;b 25\n");

        assertEquals(Map.of("java;a;b", 125L, "java;a;c", 50L), stacks.stacks());
        assertEquals(175, stacks.totalMicros());
        assertEquals(2, stacks.size());
    }

    @Test
    void frameNamesMayContainSpacesBecauseTheCountFollowsTheLastSpace()
    {
        final FoldedStacks stacks = FoldedStacks.parseFolded("VM Thread;operator new(unsigned long);x 7\n");

        assertEquals(Map.of("VM Thread;operator new(unsigned long);x", 7L), stacks.stacks());
    }

    @ParameterizedTest
    @ValueSource(strings = { "java;a;b", "java;a;b 12us", " 12", "java;a -5" })
    void aLineThatIsNotAFoldedStackIsRejectedByNumber(final String line)
    {
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
            () -> FoldedStacks.parseFolded("ok;stack 1\n" + line + "\n"));

        assertTrue(ex.getMessage().startsWith("line 2 \"" + line.strip() + "\" is not a folded stack"),
            ex.getMessage());
        assertTrue(ex.getMessage().contains("expected frames separated by ';'"), ex.getMessage());
    }

    @Test
    void libbpfToolsBlocksBecomeRootFirstStacksWithKernelFramesMarkedAndTheTracerDropped()
    {
        final FoldedStacks stacks = FoldedStacks.parse(BLOCKS, KERNEL);

        assertEquals(Map.of(
            "blocked-0;start_thread;__lll_lock_wait;entry_SYSCALL_64_after_hwframe_[k];do_syscall_64_[k];" +
                "futex_wait_[k];schedule_[k];__schedule_[k]", 6309032L,
            "VM Periodic Tas;[unknown];schedule_[k];__schedule_[k]", 2960014L + 40L,
            "Common-Cleaner", 7L), stacks.stacks(), "threads merge by name, as BCC's folded output does");
    }

    @Test
    void outputCutOffInsideAStackIsAnErrorNotAShorterProfile()
    {
        final String cut = BLOCKS.substring(0, BLOCKS.indexOf("        2960014"));

        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
            () -> FoldedStacks.parse(cut, KERNEL));

        assertTrue(ex.getMessage().contains("ends inside a stack"), ex.getMessage());
        assertTrue(ex.getMessage().contains("VM Periodic Tas"), ex.getMessage());
    }

    @Test
    void aThreadLineNotFollowedByMicrosecondsIsRejected()
    {
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
            () -> FoldedStacks.parse("    schedule\n    -    java (12)\n    oops\n", KERNEL));

        assertTrue(ex.getMessage().startsWith("line 3 \"oops\" should be the microseconds of thread \"java\""),
            ex.getMessage());
    }

    /**
     * Recorded on a 2-vCPU VM (kernel 6.18, JDK 17): libbpf-tools offcputime -p PID 2 of a JVM whose main thread and a
     * thread named docref-a-very-long-thread-name sleep, and jcmd PID Thread.print of it. The tool names them by the
     * kernel's names, "java" (the launcher's, which the main thread inherits) and "docref-a-very-l" (cut to 15); their
     * tids, 5011 and 5122, are the dump's nid=0x1393 and nid=0x1402, whose names are the Java ones.
     */
    @Test
    void realLibbpfToolsThreadsAreNamedByTheirJavaNamesThroughTheTidOfAThreadDump() throws IOException
    {
        final String text = resource("/libbpf-offcputime-java-threads.txt");
        final Map<Long, String> javaThreads = JvmEvidence.javaThreadsByTid(
            resource("/jcmd-thread-print-java-threads.txt"));

        final FoldedStacks named = FoldedStacks.parse(text, name -> false, javaThreads::get);
        final FoldedStacks unnamed = FoldedStacks.parse(text, name -> false);

        assertEquals(Set.of("G1 Service", "java", "Monitor Deflati", "VM Thread", "VM Periodic Tas", "docref-a-very-l"),
            threads(unnamed));
        assertEquals(Set.of("G1 Service", "main", "Monitor Deflation Thread", "VM Thread", "VM Periodic Task Thread",
            "docref-a-very-long-thread-name"), threads(named));
        assertEquals(unnamed.totalMicros(), named.totalMicros());
    }

    /** A thread the dump does not list keeps the tool's name; a ';' in a Java name would split the stack. */
    @Test
    void aTidNotInTheDumpKeepsTheToolsNameAndASemicolonInAJavaNameIsReplaced()
    {
        final String text = "    futex_wait\n    -                worker;1 (11)\n        5\n\n" +
            "    futex_wait\n    -                java (12)\n        7\n";

        final FoldedStacks stacks = FoldedStacks.parse(text, name -> false, Map.of(11L, "pool;1")::get);

        assertEquals(Map.of("pool_1;futex_wait", 5L, "java;futex_wait", 7L), stacks.stacks());
    }

    private static Set<String> threads(final FoldedStacks stacks)
    {
        return stacks.stacks().keySet().stream().map(stack -> stack.substring(0, stack.indexOf(';')))
            .collect(java.util.stream.Collectors.toSet());
    }

    private String resource(final String name) throws IOException
    {
        try (InputStream in = getClass().getResourceAsStream(name))
        {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void realLibbpfToolsOutputFromAFrozenJvmParsesIntoFutexStacksOfTheBlockedThreads() throws IOException
    {
        final KernelSymbols kernel = KernelSymbols.load();
        assumeTrue(kernel.size() > 0, "/proc/kallsyms is not readable here");
        final String text;
        try (InputStream in = getClass().getResourceAsStream("/libbpf-offcputime-freeze.txt"))
        {
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        long expectedTotal = 0;
        int blocks = 0;
        for (final String line : text.split("\n"))
        {
            if (line.strip().matches("\\d+"))
            {
                expectedTotal += Long.parseLong(line.strip());
                blocks++;
            }
        }

        final FoldedStacks stacks = FoldedStacks.parse(text, kernel);

        assertEquals(expectedTotal, stacks.totalMicros(), "every block's microseconds are kept");
        assertTrue(stacks.size() <= blocks && stacks.size() > blocks / 2, stacks.size() + " stacks of " + blocks);
        assertFalse(stacks.toFoldedText().contains("bpf_prog_"), "the tracer's frames are dropped");
        final long blockedFutex = stacks.stacks().entrySet().stream()
            .filter(e -> e.getKey().startsWith("blocked-") && e.getKey().contains(";futex_wait_[k];"))
            .mapToLong(Map.Entry::getValue).sum();
        assertTrue(blockedFutex > 10_000_000, "the blocked threads waited in futex for " + blockedFutex + " us");
        for (final String stack : stacks.stacks().keySet())
        {
            final String[] frames = stack.split(";");
            boolean kernelSeen = false;
            for (int i = 1; i < frames.length; i++)
            {
                final boolean isKernel = frames[i].endsWith(FoldedStacks.KERNEL_SUFFIX);
                assertFalse(kernelSeen && !isKernel, "kernel frames are the leaf end of " + stack);
                kernelSeen |= isKernel;
            }
        }
    }

    @Test
    void topOrdersByMicrosecondsThenStackAndRoundTripsThroughText()
    {
        final FoldedStacks stacks = FoldedStacks.parseFolded("t;b 5\nt;a 5\nt;c 9\nt;d 1\n");

        final List<Map.Entry<String, Long>> top = stacks.top(3);

        assertEquals(List.of("t;c", "t;a", "t;b"), top.stream().map(Map.Entry::getKey).toList());
        assertEquals(List.of(), stacks.top(0));
        assertEquals(4, stacks.top(10).size());
        assertEquals(stacks, FoldedStacks.parseFolded(stacks.toFoldedText()));
        assertThrows(IllegalArgumentException.class, () -> stacks.top(-1));
    }

    @Test
    void pythonToolStacksAreAllKernelBelowTheThread()
    {
        final FoldedStacks stacks = FoldedStacks.parseFolded("java;entry_SYSCALL_64;futex_wait 10\njava 2\n")
            .markAllKernel();

        assertEquals(Map.of("java;entry_SYSCALL_64_[k];futex_wait_[k]", 10L, "java", 2L), stacks.stacks());
    }

    @Test
    void emptyInputIsNoStacks()
    {
        assertTrue(FoldedStacks.parse("", KERNEL).isEmpty());
        assertTrue(FoldedStacks.parse("\n\n", KERNEL).isEmpty());
        assertEquals(0, FoldedStacks.empty().totalMicros());
    }

    /** An error quotes a long line cut to whole characters: the message goes into the capture's summary. */
    @Test
    void aLongBadLineIsQuotedCutBetweenCharactersNotInsideOne()
    {
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
            () -> FoldedStacks.parseFolded("a".repeat(116) + FIRE + "b".repeat(20)));

        assertTrue(ex.getMessage().startsWith("line 1 \"" + "a".repeat(116) + "...\""), ex.getMessage());
        assertTrue(StandardCharsets.UTF_8.newEncoder().canEncode(ex.getMessage()), "whole characters only");
    }
}
