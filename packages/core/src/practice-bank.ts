/** Contracts of the practice-question bank that outlive one request: a question's tags. */
import { z } from "zod";

/** The tags a question of the bank is filed under; teachers set them, search filters by them. */
export const practiceTagsSchema = z.array(z.string().trim().min(1).max(40)).max(20);
export type PracticeTags = z.infer<typeof practiceTagsSchema>;
