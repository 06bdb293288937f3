// Temporary: re-exports the course access checks, now in @studyhall/db, for routes that still import them from here.
export { courseOutline, visibleCourse } from "@studyhall/db";
