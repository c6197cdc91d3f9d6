# R's numbers for the linked-own case (formats.md section 9): writes expected.json.
# The stacked design of the shared linked-waves case: both waves in one data frame, one PSU
# per panel member, every margin crossed with the wave, and the wave coefficient of
# svyglm(y ~ wave) on the domain. Run: Rscript tests/data/linked-own/reference.R
# (R 4.2.2, survey 4.1.1, jsonlite)
suppressPackageStartupMessages({ library(survey); library(jsonlite) })
file_arg <- grep("^--file=", commandArgs(FALSE), value = TRUE)
if (length(file_arg) == 1) setwd(dirname(normalizePath(sub("^--file=", "", file_arg))))

read <- function(f) read.csv(f, na.strings = c("", "Ved ikke"), fileEncoding = "UTF-8",
                             stringsAsFactors = FALSE)
a <- read("panel-2022.csv")
b <- read("panel-2023.csv")
names(b)[match(c("panel_id", "koen", "alder", "q3_life_satisfaction"), names(b))] <-
  c("member", "sex", "age", "q3")
both <- rbind(cbind(a, wave = "2022"), cbind(b[names(a)], wave = "2023"))
both$wave <- factor(both$wave, levels = c("2022", "2023"))          # 2022 is the reference
both$one <- 1
both$age_group <- cut(both$age, c(18, 30, 50, 70, 111), right = FALSE,
                      labels = c("18-29", "30-49", "50-69", "70+"))
both$sex <- factor(both$sex, levels = c("Kvinde", "Mand"))
both$area <- factor(both$area, levels = c("Nord", "Syd", "Øst", "Vest"))
both$agesex <- paste(both$age_group, both$sex, sep = "|")
# 2022 has no area margin: one cell holding the whole wave (its total is already met by
# age_group|sex), so each wave is raked exactly to its own margins.
both$area2 <- ifelse(both$wave == "2022", "(alle)", as.character(both$area))

m22 <- read.csv("margins-2022.csv", comment.char = "#", fileEncoding = "UTF-8")
m23 <- read.csv("margins-2023.csv", comment.char = "#", fileEncoding = "UTF-8")
cells <- function(m, v, wave) { t <- m[m$variable == v, ]
  data.frame(wave = wave, category = t$category, Freq = t$target) }
pop_agesex <- rbind(cells(m22, "age_group|sex", "2022"), cells(m23, "age_group|sex", "2023"))
names(pop_agesex)[2] <- "agesex"
pop_area2 <- rbind(data.frame(wave = "2022", area2 = "(alle)",
                              Freq = sum(m22$target[m22$variable == "age_group|sex"])),
                   setNames(cells(m23, "area", "2023"), c("wave", "area2", "Freq")))
ctl <- list(maxit = 1000, epsilon = 1e-13)
d <- svydesign(ids = ~member, weights = ~one, data = both)
r <- rake(d, list(~wave + agesex, ~wave + area2), list(pop_agesex, pop_area2), control = ctl)

# Each wave raked alone (for the independent SE, and to check the stacked weights).
w22 <- both$wave == "2022"; w23 <- !w22
ra <- rake(svydesign(ids = ~1, weights = ~one, data = both[w22, ]), list(~agesex),
           list(setNames(cells(m22, "age_group|sex", "2022")[-1], c("agesex", "Freq"))),
           control = ctl)
rb <- rake(svydesign(ids = ~1, weights = ~one, data = both[w23, ]), list(~agesex, ~area),
           list(setNames(cells(m23, "age_group|sex", "2023")[-1], c("agesex", "Freq")),
                setNames(cells(m23, "area", "2023")[-1], c("area", "Freq"))), control = ctl)
stopifnot(max(abs(weights(r)[w22] / weights(ra) - 1)) < 1e-9,
          max(abs(weights(r)[w23] / weights(rb) - 1)) < 1e-9)

pos <- function(x, labels) ifelse(is.na(x), NA, as.numeric(x %in% labels))
all_rows <- rep(TRUE, nrow(both))
inds <- list(
  list(id = "trust_neighbours", y = pos(both$q1, c("Helt enig", "Delvis enig")), dom = all_rows),
  list(id = "volunteers", y = pos(both$q2, "Ja"), dom = all_rows),
  list(id = "life_satisfaction", y = as.numeric(both$q3), dom = all_rows),
  list(id = "lonely_women", y = pos(both$q4, c("Nogle gange", "Ofte")), dom = both$sex == "Kvinde"),
  list(id = "life_sat_volunteers", y = as.numeric(both$q3), dom = !is.na(both$q2) & both$q2 == "Ja"),
  list(id = "trust_dissatisfied", y = pos(both$q1, c("Helt enig", "Delvis enig")),
       dom = !is.na(both$q3) & both$q3 <= 6)
)
bys <- list(age_group = both$age_group, area = both$area)
num <- function(x) unname(as.numeric(x))

rows <- list()
for (ind in inds) {
  ok <- ind$dom & !is.na(ind$y)                                    # domain and answered
  y <- ind$y; y[is.na(y)] <- 0          # rows outside the subset keep weight 0; no na.rm needed
  r$variables$yy <- y; ra$variables$yy <- y[w22]; rb$variables$yy <- y[w23]
  groups <- list(list(by = NULL, group = NULL, keep = ok))
  for (bn in names(bys)) for (g in levels(bys[[bn]]))
    groups[[length(groups) + 1]] <- list(by = bn, group = g, keep = ok & bys[[bn]] == g)
  for (gr in groups) {
    keep <- gr$keep
    f <- svyglm(yy ~ wave, r[keep, ])
    dif <- num(coef(f)["wave2023"]); se <- num(SE(f)["wave2023"])
    cur <- svymean(~yy, rb[keep[w23], ]); prev <- svymean(~yy, ra[keep[w22], ])
    stopifnot(abs(dif - (coef(cur) - coef(prev))) < 1e-10)
    ind_se <- sqrt(num(SE(cur))^2 + num(SE(prev))^2)
    rows[[length(rows) + 1]] <- list(
      indicator = ind$id, by = gr$by, group = gr$group,
      n_current = sum(keep & w23), n_previous = sum(keep & w22),
      current = num(coef(cur)), previous = num(coef(prev)), difference = dif, diff_se = se,
      diff_ci_low = dif - qnorm(0.975) * se, diff_ci_high = dif + qnorm(0.975) * se,
      p_value = 2 * (1 - pnorm(abs(dif / se))), se_method = "linked",
      diff_se_independent = ind_se, se_ratio_independent_to_linked = ind_se / se)
  }
}
padj <- p.adjust(sapply(rows, `[[`, "p_value"), method = "holm")
for (k in seq_along(rows)) rows[[k]]$p_adjusted <- padj[k]

linked <- length(intersect(a$member, b$member))
out <- list(
  generator = sprintf("R %s.%s survey %s", R.version$major, R.version$minor,
                      packageVersion("survey")),
  previous = list(label = "2022", rows = nrow(a)), current = list(label = "2023", rows = nrow(b)),
  linked_members = linked, members = length(unique(both$member)),
  waves = rows,
  notes = list(sprintf("linked members: %d (%d previous, %d current respondents)",
                       linked, nrow(a), nrow(b))),
  weights = list(previous = setNames(as.list(weights(ra)), a$member),
                 current = setNames(as.list(weights(rb)), b$member)))
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, null = "null", na = "null",
                  pretty = TRUE), "expected.json", useBytes = TRUE)
cat("members", out$members, "linked", linked, "rows", length(rows), "\n")
print(summary(sapply(rows, `[[`, "se_ratio_independent_to_linked")))
