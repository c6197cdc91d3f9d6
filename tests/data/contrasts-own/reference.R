# R's numbers for the contrasts-own case (formats.md 8.4, 8.5): writes expected.json.
# Run: Rscript tests/data/contrasts-own/reference.R   (R, survey 4.1.1, jsonlite)
#
# The design is raked (rake() on sex and area, as section 7). R's svyby(..., covmat =
# TRUE) stops with an error on a raked design, so no contrast here comes from it. Each
# contrast (a group against the rest of its domain) is built twice and the two must agree
# to 1e-9 (stopifnot below):
#  1. (written) svyratio(~y.g + y.r, ~in.g + in.r, r, covmat = TRUE) on the whole raked
#     design, in.g / in.r the 0/1 indicators of "in the domain, answered, with a group,
#     in the group / not in it", y.g = y * in.g, y.r = y * in.r; the difference and its SE
#     are svycontrast() of that estimate, coefficients +1 for y.g/in.g and -1 for y.r/in.r
#     (the joint linearisation of the two ratios, with the raking adjustment);
#  2. (check) the coefficient of in.g and its SE in svyglm(y ~ in.g, subset(r, domain)),
#     formats 8.5's definition.
# The group's and the rest's estimates are also checked against svyby(~y, ~g, ..., svymean)
# without covmat (which works on a raked design) and svymean on the rest's subset.
# A respondent of a domain whose --by answer is missing is in neither the group nor the
# rest (education is unanswered by 21 respondents). ci_* = difference -/+ qnorm(0.975) se,
# p = 2 (1 - pnorm(|difference / se|)); p_adjusted = p.adjust(p, "holm") over all
# contrasts of the file (the run's family, 8.4), p_adjusted_bh = p.adjust(p, "BH").
# Tests: svychisq(~yf + gf, subset(r, domain)) (default Rao-Scott F) for the share and
# the distribution, the table holding only the answers and groups that occur.
# Values outside a subset (weight 0) are filled (0) so no call needs na.rm.
suppressPackageStartupMessages({ library(survey); library(jsonlite) })
file_arg <- grep("^--file=", commandArgs(FALSE), value = TRUE)
if (length(file_arg) == 1) setwd(dirname(normalizePath(sub("^--file=", "", file_arg))))

raw <- read.csv("data.csv", na.strings = c("", "Ved ikke"), fileEncoding = "UTF-8",
                stringsAsFactors = FALSE)
N <- nrow(raw)
trust_levels <- c("Slet ikke", "Lidt", "Noget", "Meget")
d <- data.frame(
  id = raw$respondent, one = 1,
  sex = factor(raw$koen, levels = c("Mand", "Kvinde")),
  area = factor(raw$omraade, levels = c("Nord", "Syd", "Vest")),
  education = factor(raw$udd, levels = c("Grundskole", "Erhvervsuddannelse", "Videregående")),
  life_sat = as.numeric(raw$q1),
  trust = factor(raw$q2, levels = trust_levels),
  exercise = as.numeric(raw$q3)
)
d$trust_score <- as.numeric(as.integer(d$trust))                   # scores 1-4

m <- read.csv("margins.csv", comment.char = "#", fileEncoding = "UTF-8")
pop_sex <- data.frame(sex = m$category[m$variable == "sex"], Freq = m$target[m$variable == "sex"])
pop_area <- data.frame(area = m$category[m$variable == "area"],
                       Freq = m$target[m$variable == "area"])
d0 <- svydesign(ids = ~1, weights = ~one, data = d)
r <- rake(d0, list(~sex, ~area), list(pop_sex, pop_area),
          control = list(maxit = 1000, epsilon = 1e-13))

everyone <- rep(TRUE, N)
inds <- list(
  list(id = "life_sat_mean", kind = "mean", value = d$life_sat, dom = everyone),
  list(id = "life_sat_mean_south_west", kind = "mean", value = d$life_sat,
       dom = d$area %in% c("Syd", "Vest")),
  list(id = "trust_mean_dissatisfied", kind = "mean", value = d$trust_score,
       dom = !is.na(d$life_sat) & d$life_sat <= 6),
  list(id = "exercise_mean_trusting", kind = "mean", value = d$exercise,
       dom = !is.na(d$trust) & d$trust %in% c("Noget", "Meget")),
  list(id = "high_sat", kind = "share", value = as.numeric(d$life_sat >= 8), dom = everyone),
  list(id = "trust_answers_north_south", kind = "distribution", value = d$trust,
       dom = d$area %in% c("Nord", "Syd")),
  list(id = "exercise_median", kind = "quantile", value = d$exercise, dom = everyone)
)
bys <- list(sex = d$sex, education = d$education)
num <- function(x) unname(as.numeric(x))
fill <- function(y) { y[is.na(y)] <- 0; y }

con <- list(); tst <- list()
for (ind in inds) {
  if (ind$kind %in% c("share", "mean")) {
    for (b in names(bys)) {
      g <- bys[[b]]
      keep <- ind$dom & !is.na(ind$value) & !is.na(g)   # domain, answered, with a group
      des <- r
      des$variables$y <- fill(ind$value)
      des$variables$gk <- factor(ifelse(keep, as.character(g), NA), levels = levels(g))
      by_group <- svyby(~y, ~gk, subset(des, keep), svymean)   # no covmat: works raked
      for (lev in levels(g)) {
        ing <- keep & g == lev; inr <- keep & g != lev
        ing[is.na(ing)] <- FALSE; inr[is.na(inr)] <- FALSE
        if (sum(ing) == 0 || sum(inr) == 0) next
        des$variables$in.g <- as.numeric(ing); des$variables$in.r <- as.numeric(inr)
        des$variables$y.g <- des$variables$y * des$variables$in.g
        des$variables$y.r <- des$variables$y * des$variables$in.r
        rat <- svyratio(~y.g + y.r, ~in.g + in.r, des, covmat = TRUE)
        cf <- coef(rat)
        ng <- grep("^y.g/in.g$", names(cf)); nr <- grep("^y.r/in.r$", names(cf))
        w <- rep(0, length(cf)); w[ng] <- 1; w[nr] <- -1
        ctr <- svycontrast(rat, w)
        dif <- num(coef(ctr)); se <- num(SE(ctr))
        # formats 8.5's definition; its only warning, "observations with zero weight not
        # used for calculating dispersion", is about the rows outside the subset
        f <- suppressWarnings(svyglm(y ~ in.g, subset(des, keep)))
        stopifnot(abs(coef(f)["in.g"] - dif) < 1e-9 * max(1, abs(dif)))
        stopifnot(abs(SE(f)["in.g"] - se) < 1e-9 * se)
        est_g <- num(cf[ng]); est_r <- num(cf[nr])
        stopifnot(abs(coef(by_group)[lev] - est_g) < 1e-10 * max(1, abs(est_g)))
        stopifnot(abs(coef(svymean(~y, subset(des, inr))) - est_r) < 1e-10 * max(1, abs(est_r)))
        con[[length(con) + 1]] <- list(
          indicator = ind$id, kind = ind$kind, by = b, group = lev,
          estimate_group = est_g, estimate_rest = est_r, difference = dif, se = se,
          ci_low = dif - qnorm(0.975) * se, ci_high = dif + qnorm(0.975) * se,
          p = 2 * (1 - pnorm(abs(dif / se))), n_group = sum(ing), n_rest = sum(inr))
      }
    }
  }
  if (ind$kind %in% c("share", "distribution")) {
    yv <- as.character(ind$value)
    for (b in names(bys)) {
      g <- bys[[b]]
      keep <- ind$dom & !is.na(ind$value) & !is.na(g)
      lev_y <- if (ind$kind == "share") c("0", "1") else levels(ind$value)
      des <- r
      des$variables$yf <- factor(ifelse(keep, yv, NA), levels = lev_y[lev_y %in% yv[keep]])
      des$variables$gf <- factor(ifelse(keep, as.character(g), NA),
                                 levels = levels(g)[levels(g) %in% as.character(g[keep])])
      t <- svychisq(~yf + gf, subset(des, keep))
      stopifnot(abs(t$parameter["ddf"] / t$parameter["ndf"] - (N - 1)) < 1e-8)
      tst[[length(tst) + 1]] <- list(
        indicator = ind$id, by = b, statistic = "rao-scott", f = num(t$statistic),
        ndf = num(t$parameter["ndf"]), ddf = num(t$parameter["ddf"]), p = num(t$p.value),
        n = sum(keep))
    }
  }
}
p <- sapply(con, `[[`, "p")
holm <- p.adjust(p, method = "holm"); bh <- p.adjust(p, method = "BH")
for (k in seq_along(con))
  con[[k]] <- c(con[[k]], list(p_adjusted = holm[k], adjust = "holm", p_adjusted_bh = bh[k]))

out <- list(
  generator = sprintf("R %s.%s survey %s", R.version$major, R.version$minor,
                      packageVersion("survey")),
  rows = N,
  design = "rake(list(~sex, ~area), maxit = 1000, epsilon = 1e-13)",
  weight_ratio = max(weights(r)) / min(weights(r)),
  contrasts = con, tests = tst)
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE), "expected.json",
           useBytes = TRUE)
cat(length(con), "contrasts,", length(tst), "tests; weight ratio", out$weight_ratio, "\n")
