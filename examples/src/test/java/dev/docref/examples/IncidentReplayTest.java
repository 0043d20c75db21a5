package dev.docref.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import javax.xml.parsers.DocumentBuilderFactory;

import dev.docref.guard.ResizeForecast;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.w3c.dom.Document;

/**
 * Runs {@link IncidentReplay} end to end, once, as its command line does, at a small scale: 1,572,865 keys, one past
 * 0.75 &times; 2^21, so that the last put of both doubling maps resizes them to 2^22 slots (HashMap's new table is
 * 16 MiB, fastutil's two arrays 32 MiB each). The guard limit is lowered to 16 MiB so that HashMap's last resize
 * crosses it too, and the capture window to 1 s. About 20-30 s on the reference machine.
 * <p>
 * The stall comparison is not a measurement (the bench module measures): it checks that the demo shows what it is
 * for. The margin is wide: HashMap's and fastutil's last resize each rehash 1.57M entries inside one put, holding the
 * write lock (tens to hundreds of milliseconds), while docref's worst put is one 128 KiB split plus scheduling noise.
 */
class IncidentReplayTest
{
    static final long ENTRIES = 1_572_865;
    static final List<FeedIndex.Kind> MAPS = ReplayOptions.DEFAULT_MAPS;

    @TempDir
    static Path tempDir;

    private static Path out;
    private static int exit;
    private static String printed;
    private static String errors;
    private static Map<String, Map<String, String>> csv;

    @BeforeAll
    static void replay()
    {
        out = tempDir.resolve("report");
        final ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        final ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        exit = run(stdout, stderr, "--entries", Long.toString(ENTRIES), "--capture-duration", "1s", "--guard-limit",
            "16MiB", "--out", out.toString());
        printed = stdout.toString(StandardCharsets.UTF_8);
        errors = stderr.toString(StandardCharsets.UTF_8);
    }

    @Test
    void replayRunsToCompletion() throws IOException
    {
        assertEquals(0, exit, errors);
        assertTrue(printed.contains("Report: " + out.toAbsolutePath().resolve(IncidentReplay.REPORT_HTML)), printed);
        csv();
    }

    @Test
    void headerSaysTheGuardLimitCameFromTheCommandLine()
    {
        // It said "lowered so that this scale's last doublings cross it" of any limit, a --guard-limit too.
        assertTrue(printed.contains("  allocation guard: WARN mode, single-allocation limit 16.00 MiB " +
            "(--guard-limit; the guard's own default is 1 GiB)"), printed);
    }

    @ParameterizedTest
    @EnumSource(names = { "HASHMAP", "FASTUTIL", "DOCREF" })
    void tableReportAndChartNameEveryMap(final FeedIndex.Kind kind) throws IOException
    {
        assertTrue(tableLines().stream().anyMatch(line -> line.startsWith(kind.title + " ")),
            kind.title + " has no row in the table:\n" + printed);
        assertTrue(html().contains("<td>" + kind.title + "</td>"), kind.title + " has no row in the HTML table");
        assertTrue(svg().contains(">" + kind.title + ": worst put"), kind.title + " has no panel in the chart");
        assertTrue(csv().containsKey(kind.id), kind.id + " has no CSV line");
    }

    static Stream<String> columns()
    {
        return IncidentReport.COLUMNS.stream();
    }

    @ParameterizedTest
    @MethodSource("columns")
    void tableAndReportHaveEveryColumn(final String column) throws IOException
    {
        assertTrue(tableLines().get(0).contains(column), "table header lacks " + column + ":\n" + printed);
        assertTrue(html().contains("<th>" + column + "</th>"), "HTML table lacks " + column);
    }

    @Test
    void chartIsWellFormedSvgInTheFileAndInTheReport() throws Exception
    {
        final Document file = parse(svg());
        assertEquals("svg", file.getDocumentElement().getLocalName());
        assertEquals("http://www.w3.org/2000/svg", file.getDocumentElement().getNamespaceURI());
        final String html = html();
        final String embedded = html.substring(html.indexOf("<svg "), html.indexOf("</svg>") + "</svg>".length());
        final Document inReport = parse(embedded);
        // One query-latency series and one put series per map.
        assertTrue(inReport.getElementsByTagNameNS("http://www.w3.org/2000/svg", "path").getLength() >= 2 * MAPS.size(),
            "the chart has fewer series than maps");
    }

    @ParameterizedTest
    @EnumSource(names = { "HASHMAP", "FASTUTIL" })
    void docrefWorstPutIsSmallerThanTheDoublingMaps(final FeedIndex.Kind doubling) throws IOException
    {
        final long docref = Long.parseLong(csv().get("docref").get("worst_put_ns"));
        final long other = Long.parseLong(csv().get(doubling.id).get("worst_put_ns"));
        assertTrue(docref < other, "docref's worst put " + ReplayPhase.formatNanos(docref) + " is not smaller than " +
            doubling.title + "'s " + ReplayPhase.formatNanos(other));
    }

    @ParameterizedTest
    @EnumSource(names = { "HASHMAP", "FASTUTIL" })
    void guardWarnedAndTrapCapturedTheDoublingMapsResize(final FeedIndex.Kind doubling) throws Exception
    {
        final Map<String, String> row = csv().get(doubling.id);
        assertTrue(Long.parseLong(row.get("guard_warnings")) >= 1, doubling.id + ": no guard warning");
        assertTrue(Long.parseLong(row.get("captures")) >= 1, doubling.id + ": no capture");
        final Path captures = out.resolve("captures").resolve(doubling.id);
        final List<Path> guardCaptures;
        try (Stream<Path> dirs = Files.list(captures))
        {
            guardCaptures = dirs.filter(dir -> dir.getFileName().toString().endsWith("-guard"))
                .collect(Collectors.toList());
        }
        assertFalse(guardCaptures.isEmpty(), "no capture armed by the guard in " + captures);
        for (final Path capture : guardCaptures)
        {
            assertTrue(Files.exists(capture.resolve("summary.json")), capture + " is incomplete");
            assertEquals("svg", parse(Files.readString(capture.resolve("offcpu.svg"))).getDocumentElement()
                .getLocalName());
            final String link = out.relativize(capture.resolve("offcpu.svg")).toString();
            assertTrue(html().contains("href=\"" + link + "\""), "the report does not link " + link);
        }
    }

    /**
     * {@code checkResize} counts a resize whole, so at 16 MiB the guard warns before each of fastutil's last three,
     * to 2^20, 2^21 and 2^22 slots, whose two arrays of 8, 16 and 32 MiB (and 24 bytes) are together 48 bytes over
     * 16, 32 and 64 MiB, and before HashMap's last, a table of 16 MiB and 16 bytes. The report gives a two-array
     * resize in all and its arrays; the largest array of the resizes warned about is the largest allocation JFR saw.
     */
    @ParameterizedTest
    @EnumSource(names = { "HASHMAP", "FASTUTIL" })
    void guardWarnsBeforeEachResizeOverTheLimitCountedWholeAndTheReportGivesItsArrays(final FeedIndex.Kind doubling)
        throws IOException
    {
        final Map<String, String> row = csv().get(doubling.id);
        final boolean fastutil = doubling == FeedIndex.Kind.FASTUTIL;
        assertEquals(fastutil ? "3" : "1", row.get("guard_warnings"), row.toString());
        final ResizeForecast last = fastutil ? ResizeForecast.openAddressing(ENTRIES - 1, 8, 8, 0.75) :
            ResizeForecast.hashMap(ENTRIES - 1, ResizeForecast.compressedOops());
        assertEquals(Long.toString(last.nextResizeBytes()), row.get("largest_guard_warning_bytes"), row.toString());
        assertEquals(row.get("largest_heap_allocation_bytes"), row.get("largest_guard_warning_allocation_bytes"),
            row.toString());
        if (fastutil)
        {
            for (final String resize : List.of("16.00 MiB in all, 2 arrays of 8.00 MiB",
                "32.00 MiB in all, 2 arrays of 16.00 MiB", "64.00 MiB in all, 2 arrays of 32.00 MiB"))
            {
                final String warning = ": " + resize + " for [" + ReplayPhase.GUARD_WHAT + "]";
                assertTrue(printed.contains(warning), "the notes lack" + warning + "\n" + printed);
                assertTrue(html().contains(warning), "the HTML report lacks" + warning);
            }
        }
    }

    /** A doubling map's resize is shown to the guard between puts: its time is the ingest's, outside every put. */
    @ParameterizedTest
    @EnumSource(names = { "HASHMAP", "FASTUTIL" })
    void doublingMapsGuardChecksAreTimedBetweenPutsNotInThem(final FeedIndex.Kind doubling) throws IOException
    {
        final Map<String, String> row = csv().get(doubling.id);
        assertEquals("0", row.get("guard_warnings_in_puts"), row.toString());
        assertTrue(Long.parseLong(row.get("ingest_paused_ns")) > 0, row.toString());
        assertTrue(printed.lines().anyMatch(line -> line.startsWith("  done: ingest ") &&
            line.contains(" s of it between puts around the guard's resize checks (the guard's check and warning, " +
                "waiting for the trap to be free, the arming delay); worst put ")), printed);
    }

    @Test
    void largestAllocationsAreTheDoublingMapsNewTablesAndOneDocrefSegment() throws IOException
    {
        // The last resize of each doubling map, as ResizeForecast predicts it, is what JFR saw the ingest thread
        // allocate: HashMap's Node[2^22], and fastutil's long[2^22 + 1] (keys and values: two such arrays).
        final long hashMapTable = ResizeForecast.hashMap(ENTRIES - 1, ResizeForecast.compressedOops())
            .nextResizeBytes();
        final long fastutilArray = ResizeForecast.openAddressing(ENTRIES - 1, 8, 8, 0.75)
            .nextResizeLargestAllocationBytes();
        assertEquals(hashMapTable, Long.parseLong(csv().get("hashmap").get("largest_heap_allocation_bytes")));
        assertEquals(fastutilArray, Long.parseLong(csv().get("fastutil").get("largest_heap_allocation_bytes")));
        final Map<String, String> docref = csv().get("docref");
        assertEquals("0", docref.get("guard_warnings"));
        assertTrue(Long.parseLong(docref.get("largest_native_allocation_bytes")) <= 128 * 1024, docref.toString());
        assertTrue(Long.parseLong(docref.get("largest_heap_allocation_bytes")) < 1024 * 1024, docref.toString());
    }

    private static Map<String, Map<String, String>> csv() throws IOException
    {
        if (csv == null)
        {
            final List<String> lines = Files.readAllLines(out.resolve(IncidentReplay.REPORT_CSV));
            final String[] header = lines.get(0).split(",");
            final Map<String, Map<String, String>> rows = new LinkedHashMap<>();
            for (final String line : lines.subList(1, lines.size()))
            {
                final String[] cells = line.split(",");
                final Map<String, String> row = new LinkedHashMap<>();
                for (int i = 0; i < header.length; i++)
                {
                    row.put(header[i], cells[i]);
                }
                rows.put(row.get("map"), row);
            }
            csv = rows;
        }
        return csv;
    }

    /** @return the printed table: its header line first, then one line per map. */
    private static List<String> tableLines()
    {
        final List<String> lines = printed.lines().collect(Collectors.toList());
        final int header = lines.indexOf(lines.stream().filter(line -> line.startsWith("Map ")).findFirst()
            .orElseThrow(() -> new AssertionError("no table printed:\n" + printed)));
        final List<String> table = new ArrayList<>(List.of(lines.get(header)));
        table.addAll(lines.subList(header + 2, header + 2 + MAPS.size()));
        return table;
    }

    private static String html() throws IOException
    {
        return Files.readString(out.resolve(IncidentReplay.REPORT_HTML));
    }

    private static String svg() throws IOException
    {
        return Files.readString(out.resolve(IncidentReplay.REPORT_SVG));
    }

    static Document parse(final String xml) throws Exception
    {
        final DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setNamespaceAware(true);
        return factory.newDocumentBuilder().parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
    }

    /** Runs the demo as {@code main} does, keeping what it prints in {@code stdout} and {@code stderr}. */
    static int run(final ByteArrayOutputStream stdout, final ByteArrayOutputStream stderr, final String... args)
    {
        return IncidentReplay.run(args, tee(stdout, System.out), tee(stderr, System.err));
    }

    /** Prints to {@code also} as well, so that the replay's progress shows in the build log. */
    static PrintStream tee(final ByteArrayOutputStream buffer, final PrintStream also)
    {
        return new PrintStream(new OutputStream()
        {
            @Override
            public void write(final int b)
            {
                buffer.write(b);
                also.write(b);
            }

            @Override
            public void write(final byte[] bytes, final int offset, final int length)
            {
                buffer.write(bytes, offset, length);
                also.write(bytes, offset, length);
            }
        }, true, StandardCharsets.UTF_8);
    }
}
