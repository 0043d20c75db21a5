package dev.docref.trap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

class FlameGraphTest
{
    /** U+1F525 FIRE: one character, two chars (a surrogate pair). */
    private static final String FIRE = "\uD83D\uDD25";
    private static final String SVG_NS = "http://www.w3.org/2000/svg";

    @Test
    void frameWidthIsProportionalToMicroseconds() throws Exception
    {
        final FoldedStacks stacks = FoldedStacks.parseFolded("t;a;b 300\nt;a;c 100\nu;d 400\n");

        final Map<String, Double> widths = widthsByTitle(TrapTesting.xml(FlameGraph.render(stacks, "test")));

        final double all = widths.get("all");
        assertEquals(FlameGraph.WIDTH - 20, all, 0.01);
        assertEquals(all / 2, widths.get("t"), 0.01);
        assertEquals(all / 2, widths.get("u"), 0.01);
        assertEquals(3.0, widths.get("b") / widths.get("c"), 0.001);
        assertEquals(widths.get("b") + widths.get("c"), widths.get("a"), 0.02);
    }

    @Test
    void everyFrameHasAHoverTitleWithItsNameMicrosecondsAndShare() throws Exception
    {
        final FoldedStacks stacks = FoldedStacks.parseFolded("java;start_thread;futex_wait_[k] 1500\njava;x 500\n");

        final Document svg = TrapTesting.xml(FlameGraph.render(stacks, "test"));

        final NodeList titles = svg.getElementsByTagNameNS(SVG_NS, "title");
        final Map<String, String> byName = new HashMap<>();
        for (int i = 0; i < titles.getLength(); i++)
        {
            final String title = titles.item(i).getTextContent();
            byName.put(title.substring(0, title.indexOf(" (")), title);
        }
        assertEquals("futex_wait [kernel] (1,500 us, 75.00%)", byName.get("futex_wait [kernel]"));
        assertEquals("x (500 us, 25.00%)", byName.get("x"));
        assertEquals("all (2,000 us, 100.00%)", byName.get("all"));
        assertEquals(5, titles.getLength(), "all, java, start_thread, futex_wait, x");
    }

    @Test
    void markupInFrameNamesIsEscapedSoTheSvgStaysWellFormed() throws Exception
    {
        final String name = "operator<<(std::ostream&, \"x\")\u0001";
        final FoldedStacks stacks = FoldedStacks.of(Map.of("t;" + name, 10L));

        final Document svg = TrapTesting.xml(FlameGraph.render(stacks, "<title> & \"quotes\""));

        final NodeList titles = svg.getElementsByTagNameNS(SVG_NS, "title");
        boolean found = false;
        for (int i = 0; i < titles.getLength(); i++)
        {
            found |= titles.item(i).getTextContent().startsWith("operator<<(std::ostream&, \"x\")? (10 us");
        }
        assertTrue(found, "the frame's name survives escaping (the control character becomes ?)");
    }

    /**
     * A label cut to fit its frame keeps whole characters: U+1F525 is two chars, and a cut between them left half
     * of it, which a capture's strict UTF-8 write refused, failing the whole capture.
     */
    @Test
    void aLabelCutToFitItsFrameNeverSplitsACharacterOfTwoChars() throws Exception
    {
        final FoldedStacks stacks = FoldedStacks.parseFolded(FIRE + "hot-worker;futex_wait_[k] 24000\n" +
            "main;futex_wait_[k] 1000000\n");

        final String svg = FlameGraph.render(stacks, "test");

        assertTrue(StandardCharsets.UTF_8.newEncoder().canEncode(svg), "whole characters only");
        assertTrue(svg.contains(">..</text>"), "the 27 px frame's label, of 3 chars at most, has no room for the fire");
        assertTrue(svg.contains("<title>" + FIRE + "hot-worker (24,000 us"), "the hover title keeps the whole name");
    }

    @Test
    void noStacksGiveASmallSvgThatSaysSo() throws Exception
    {
        final String svg = FlameGraph.render(FoldedStacks.empty(), "nothing");

        final Document document = TrapTesting.xml(svg);

        assertEquals("svg", document.getDocumentElement().getLocalName());
        assertTrue(svg.contains("No off-CPU stacks were captured."));
        assertEquals(0, document.getElementsByTagNameNS(SVG_NS, "title").getLength());
    }

    @Test
    void framesNarrowerThanATenthOfAPixelAreNotDrawnButCountInTheirParent() throws Exception
    {
        final FoldedStacks stacks = FoldedStacks.parseFolded("t;big 100000000\nt;tiny;a;b;c;d;e;f;g;h 1\n");

        final Document svg = TrapTesting.xml(FlameGraph.render(stacks, "test"));

        final Map<String, Double> widths = widthsByTitle(svg);
        assertTrue(!widths.containsKey("tiny"), widths.toString());
        assertEquals(FlameGraph.WIDTH - 20, widths.get("t"), 0.01);
        assertEquals(String.valueOf(48 + 3 * FlameGraph.FRAME_HEIGHT + 10), svg.getDocumentElement()
            .getAttribute("height"), "three levels drawn (all, t, big): the deep invisible stack adds no height");
    }

    @ParameterizedTest(name = "{0} is {1}")
    @CsvSource({
        "futex_wait_[k], kernel",
        "java.lang.Thread.sleep, java",
        "java/lang/Thread.run, java",
        "Ljava/lang/Thread;::run, java",
        "JavaThread::run, native",
        "__lll_lock_wait, native",
        "libc.so.6, native",
        "[unknown], unknown" })
    void coloursTellKernelJavaAndNativeFramesApart(final String name, final String kind)
    {
        final String colour = FlameGraph.colour(name, 3);
        final int r = Integer.parseInt(colour.substring(1, 3), 16);
        final int g = Integer.parseInt(colour.substring(3, 5), 16);
        final int b = Integer.parseInt(colour.substring(5, 7), 16);
        switch (kind)
        {
            case "kernel":
                assertTrue(r >= 225 && g >= 150 && g <= 180 && b < 75, colour);
                break;
            case "java":
                assertTrue(g > r && g > b, colour);
                break;
            case "native":
                assertTrue(r >= 235 && g < 140 && b < 130 && g > 90, colour);
                break;
            default:
                assertTrue(r == g && g == b, colour);
        }
        assertTrue(r + g + b >= 3 * 110, "light enough for black text: " + colour);
    }

    private static Map<String, Double> widthsByTitle(final Document svg)
    {
        final Map<String, Double> widths = new HashMap<>();
        final NodeList groups = svg.getElementsByTagNameNS(SVG_NS, "g");
        for (int i = 0; i < groups.getLength(); i++)
        {
            final Element group = (Element)groups.item(i);
            final String title = group.getElementsByTagNameNS(SVG_NS, "title").item(0).getTextContent();
            final Element rect = (Element)group.getElementsByTagNameNS(SVG_NS, "rect").item(0);
            widths.put(title.substring(0, title.indexOf(" (")), Double.parseDouble(rect.getAttribute("width")));
        }
        return widths;
    }
}
