/** Everything under /v1/documents, for teachers and admins: uploads first, then the documents themselves. */
import { requireRole } from "../../middleware/auth.ts";
import { newRouter } from "../openapi.ts";
import { libraryRoutes } from "./documents.ts";
import { uploadRoutes } from "./uploads.ts";

const router = newRouter();
router.use("/", requireRole("admin", "teacher"));
router.use("/*", requireRole("admin", "teacher"));

export const documentRoutes = router.route("/", uploadRoutes).route("/", libraryRoutes);
