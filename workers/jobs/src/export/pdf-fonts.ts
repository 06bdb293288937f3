/**
 * The fonts exports are set in: DejaVu Sans regular and bold (Bitstream Vera
 * licence: free to embed and redistribute unmodified), from the
 * `dejavu-fonts-ttf` package. Wrangler bundles them as Data modules (the
 * `[[rules]]` in workers/jobs/wrangler.toml), so no font is fetched at run
 * time; the PDF embeds only the glyphs it uses.
 */

import regular from "dejavu-fonts-ttf/ttf/DejaVuSans.ttf";
import bold from "dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf";
import type { PdfFontFiles } from "./pdf/course-pdf.ts";

export const exportFonts: PdfFontFiles = { regular, bold };
