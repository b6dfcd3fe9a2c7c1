-- CreateTable
CREATE TABLE "value_set_expansions" (
    "url" TEXT NOT NULL,
    "version" TEXT,
    "codes" TEXT[],
    "source" TEXT NOT NULL,
    "fetched_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "value_set_expansions_pkey" PRIMARY KEY ("url")
);
