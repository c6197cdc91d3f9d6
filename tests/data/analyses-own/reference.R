# R's numbers for the analyses-own case (formats.md section 8): writes expected.json
# (the raked design, rake() as section 7) and expected-capped.json (bounded calibration,
# calibrate(calfun = "raking", bounds = ...) as 8.5 says for --cap).
# Run: Rscript tests/data/analyses-own/reference.R   (R 4.2.2, survey 4.1.1, jsonlite)
suppressPackageStartupMessages({ library(survey); library(jsonlite) })
file_arg <- grep("^--file=", commandArgs(FALSE), value = TRUE)
if (length(file_arg) == 1) setwd(dirname(normalizePath(sub("^--file=", "", file_arg))))

raw <- read.csv("data.csv", na.strings = c("", "Ved ikke"), fileEncoding = "UTF-8",
                stringsAsFactors = FALSE)
N <- nrow(raw)
lonely_points <- c("Sjældent eller aldrig" = 1, "En gang imellem" = 2, "Ofte" = 3)
agree <- c("Helt enig", "Delvis enig", "Hverken enig eller uenig", "Delvis uenig", "Helt uenig")
d <- data.frame(
  id = raw$respondent, one = 1,
  sex = factor(raw$koen, levels = c("Mand", "Kvinde")),
  age = raw$alder,
  area = factor(raw$omraade, levels = c("Nord", "Syd", "Øst", "Vest")),
  life_sat = as.numeric(raw$q1),
  lack_company = factor(raw$q2_1, levels = names(lonely_points)),
  left_out = factor(raw$q2_2, levels = names(lonely_points)),
  connected = factor(raw$q2_3, levels = names(lonely_points)),
  feel_safe = factor(raw$q3, levels = agree)
)
d$age_group <- cut(d$age, c(18, 30, 50, 70, 111), right = FALSE,
                   labels = c("18-29", "30-49", "50-69", "70+"))
# Scale scores exactly as formats.md 8.1: points, reversed = max + min - points,
# sum needs every item (min_answered default = all), mean needs min_answered, then multiply.
p <- cbind(lonely_points[as.character(d$lack_company)],
           lonely_points[as.character(d$left_out)],
           4 - lonely_points[as.character(d$connected)])            # connected reversed
answered <- rowSums(!is.na(p))
d$ucla3 <- ifelse(answered == 3, rowSums(p, na.rm = TRUE), NA) * 1
d$ucla3_index <- ifelse(answered >= 2, rowMeans(p, na.rm = TRUE), NA) * 5
d$feel_safe_score <- 6 - as.integer(d$feel_safe)                   # scores 5 (Helt enig) .. 1

m <- read.csv("margins.csv", comment.char = "#", fileEncoding = "UTF-8")
cells <- m[m$variable == "age_group|sex", ]
areas <- m[m$variable == "area", ]
d$agesex <- factor(paste(d$age_group, d$sex, sep = "|"), levels = cells$category)
pop_agesex <- data.frame(agesex = cells$category, Freq = cells$target)
pop_area <- data.frame(area = areas$category, Freq = areas$target)
total <- sum(cells$target)

d0 <- svydesign(ids = ~1, weights = ~one, data = d)
r <- rake(d0, list(~agesex, ~area), list(pop_agesex, pop_area),
          control = list(maxit = 1000, epsilon = 1e-13))

# The indicators (indicators.yaml): value = the variable as analysed, dom = the where domain.
all_rows <- rep(TRUE, N)
inds <- list(
  list(id = "life_satisfaction", kind = "mean", value = d$life_sat, dom = all_rows),
  list(id = "life_sat_quartiles", kind = "quantile", value = d$life_sat, dom = all_rows,
       q = c(0.25, 0.5, 0.75)),
  list(id = "life_sat_median_women", kind = "quantile", value = d$life_sat,
       dom = d$sex == "Kvinde", q = 0.5),
  list(id = "life_sat_feel_safe", kind = "mean", value = d$life_sat,
       dom = !is.na(d$feel_safe) & d$feel_safe %in% c("Helt enig", "Delvis enig")),
  list(id = "loneliness_mean", kind = "mean", value = d$ucla3, dom = all_rows),
  list(id = "loneliness_index_mean", kind = "mean", value = d$ucla3_index, dom = all_rows),
  list(id = "loneliness_median", kind = "quantile", value = d$ucla3, dom = all_rows, q = 0.5),
  list(id = "lonely", kind = "share", value = d$ucla3, pos = function(x) x >= 7, dom = all_rows),
  list(id = "lonely_dissatisfied", kind = "share", value = d$ucla3, pos = function(x) x >= 7,
       dom = !is.na(d$life_sat) & d$life_sat <= 5),
  list(id = "lack_company_answers", kind = "distribution", value = d$lack_company, dom = all_rows),
  list(id = "feel_safe_answers", kind = "distribution", value = d$feel_safe, dom = all_rows),
  list(id = "feel_safe_mean", kind = "mean", value = d$feel_safe_score, dom = all_rows),
  list(id = "feel_safe", kind = "share", value = d$feel_safe,
       pos = function(x) x %in% c("Helt enig", "Delvis enig"), dom = all_rows),
  list(id = "feel_safe_women", kind = "share", value = d$feel_safe,
       pos = function(x) x %in% c("Helt enig", "Delvis enig"), dom = d$sex == "Kvinde")
)
bys <- list(age_group = d$age_group, area = d$area)
num <- function(x) if (length(x) == 0 || is.na(x)) NA else unname(as.numeric(x))

analyse <- function(des, label) {
  est <- list(); con <- list(); tst <- list(); notes <- character()
  # rows outside the subset keep weight 0 in R's subset(); their (missing) values are
  # filled with the smallest answer so that svymean/svyquantile need no na.rm
  with_y <- function(y) { y[is.na(y)] <- min(y, na.rm = TRUE); des$variables$yy <- y; des }
  share_row <- function(dy, keep, head, y) {
    sub <- dy[keep, ]
    e <- svymean(~yy, sub, deff = "replace")
    if (coef(e) <= 0 || coef(e) >= 1) {
      notes <<- c(notes, sprintf("%s %s: share %g, R's logit interval undefined, row left out",
                                 head$indicator, paste(c(head$group, head$category), collapse = " "),
                                 coef(e)))
      return(NULL)
    }
    ci <- attr(svyciprop(~yy, sub, method = "logit"), "ci")
    c(head, list(n = sum(keep), n_positive = sum(y[keep] == 1), estimate = num(coef(e)),
                 se = num(SE(e)), ci_low = num(ci[1]), ci_high = num(ci[2]),
                 ci_method = "logit", deff = num(deff(e)), ci_source = "svyciprop"))
  }
  mean_row <- function(dy, keep, head) {
    sub <- dy[keep, ]
    e <- svymean(~yy, sub, deff = "replace")
    ci <- confint(svymean(~yy, sub), df = degf(sub))
    c(head, list(n = sum(keep), estimate = num(coef(e)), se = num(SE(e)),
                 ci_low = num(ci[1]), ci_high = num(ci[2]), ci_method = "t",
                 deff = num(deff(e)), ci_source = "confint(svymean(), df = degf())"))
  }
  quantile_rows <- function(dy, keep, head, qs) {
    q <- svyquantile(~yy, dy[keep, ], qs, ci = TRUE)
    tab <- q$yy; s <- SE(q)
    lapply(seq_along(qs), function(k) c(head, list(quantile = qs[k]), list(
      n = sum(keep), estimate = num(tab[k, 1]), se = num(s[k]), ci_low = num(tab[k, 2]),
      ci_high = num(tab[k, 3]), ci_method = "woodruff",
      ci_source = "svyquantile(ci = TRUE), survey 4.1.1 defaults")))
  }
  rows_for <- function(ind, keep, by, group) {
    head <- list(indicator = ind$id, kind = ind$kind, by = by, group = group)
    if (ind$kind == "mean") return(list(mean_row(with_y(ind$value), keep, head)))
    if (ind$kind == "quantile") return(quantile_rows(with_y(ind$value), keep, head, ind$q))
    if (ind$kind == "share") {
      y <- as.numeric(ind$pos(ind$value))
      return(list(share_row(with_y(y), keep, head, y)))
    }
    lapply(levels(ind$value), function(cat) {
      y <- as.numeric(ind$value == cat)
      share_row(with_y(y), keep, c(head, list(category = cat)), y)
    })
  }
  for (ind in inds) {
    ok <- ind$dom & !is.na(ind$value)                       # domain and answered
    est <- c(est, rows_for(ind, ok, NULL, NULL))
    for (b in names(bys)) for (g in levels(bys[[b]]))
      est <- c(est, rows_for(ind, ok & bys[[b]] == g, b, g))
    if (ind$kind %in% c("share", "mean")) {
      y <- if (ind$kind == "share") as.numeric(ind$pos(ind$value)) else ind$value
      dy <- with_y(y)
      for (b in names(bys)) for (g in levels(bys[[b]])) {
        ing <- ok & bys[[b]] == g; rest <- ok & bys[[b]] != g
        if (sum(ing) == 0 || sum(rest) == 0) next
        dy$variables$ing <- as.numeric(bys[[b]] == g)
        f <- svyglm(yy ~ ing, dy[ok, ])
        dif <- num(coef(f)["ing"]); se <- num(SE(f)["ing"])
        con[[length(con) + 1]] <- list(
          indicator = ind$id, by = b, group = g,
          estimate_group = num(coef(svymean(~yy, dy[ing, ]))),
          estimate_rest = num(coef(svymean(~yy, dy[rest, ]))),
          difference = dif, se = se, ci_low = dif - qnorm(0.975) * se,
          ci_high = dif + qnorm(0.975) * se, p = 2 * (1 - pnorm(abs(dif / se))),
          n_group = sum(ing), n_rest = sum(rest))
      }
    }
    if (ind$kind %in% c("share", "distribution")) {
      yv <- if (ind$kind == "share") as.character(as.numeric(ind$pos(ind$value)))
            else as.character(ind$value)
      for (b in names(bys)) {
        gv <- as.character(bys[[b]])
        # the table holds only the answers and groups that occur in the domain
        yf <- factor(ifelse(ok, yv, NA), levels = intersect(unique(yv[ok]), unique(yv[ok])))
        gf <- factor(ifelse(ok, gv, NA), levels = levels(bys[[b]])[levels(bys[[b]]) %in% gv[ok]])
        dt <- des; dt$variables$yf <- yf; dt$variables$gf <- gf
        t <- svychisq(~yf + gf, dt[ok, ])
        tst[[length(tst) + 1]] <- list(
          indicator = ind$id, by = b, statistic = "rao-scott", f = num(t$statistic),
          ndf = num(t$parameter["ndf"]), ddf = num(t$parameter["ddf"]), p = num(t$p.value))
        stopifnot(abs(t$parameter["ddf"] / t$parameter["ndf"] - (N - 1)) < 1e-8)
      }
    }
  }
  padj <- p.adjust(sapply(con, `[[`, "p"), method = "holm")
  for (k in seq_along(con)) con[[k]] <- c(con[[k]], list(p_adjusted = padj[k], adjust = "holm"))
  # checks: every distribution sums to 1 per domain and group
  dist <- Filter(function(x) x$kind == "distribution", est)
  key <- sapply(dist, function(x) paste(x$indicator, x$by, x$group))
  sums <- tapply(sapply(dist, `[[`, "estimate"), key, sum)
  if (length(dist) > 0) stopifnot(all(abs(sums - 1) < 1e-12) || length(notes) > 0)
  list(generator = sprintf("R %s.%s survey %s", R.version$major, R.version$minor,
                           packageVersion("survey")),
       rows = N, design = label, estimates = est, contrasts = con, tests = tst, notes = notes)
}

write <- function(x, file) writeLines(toJSON(x, auto_unbox = TRUE, digits = NA, null = "null",
                                             na = "null", pretty = TRUE), file, useBytes = TRUE)

out <- analyse(r, "rake(list(~age_group|sex, ~area), maxit = 1000, epsilon = 1e-13)")
out$weights <- setNames(as.list(weights(r)), d$id)
write(out, "expected.json")

# Capped: the bounded raking calibration of formats.md 8.5, weights <= cap x mean weight.
mm <- model.matrix(~agesex + area, d)
population <- colSums(mm * 0)                                # the margin totals, column by column
population["(Intercept)"] <- total
for (k in 2:nrow(cells)) population[paste0("agesex", cells$category[k])] <- cells$target[k]
for (k in 2:nrow(areas)) population[paste0("area", areas$category[k])] <- areas$target[k]
# Starting weights = the mean weight total / N, so that bounds = c(0, cap) bound every weight
# to cap x mean weight (from weights 1, calibrate() would rescale the bounds itself).
d$w0 <- total / N
d1 <- svydesign(ids = ~1, weights = ~w0, data = d)
capped <- list()
for (cap in c(5, 6)) {
  upper <- cap * total / N
  cal <- calibrate(d1, ~agesex + area, population, calfun = "raking",
                   bounds = c(0, cap), maxit = 1000, epsilon = 1e-13)
  w <- weights(cal)
  stopifnot(max(w) <= upper * (1 + 1e-9))
  stopifnot(max(abs(colSums(mm * w) - population) / population) < 1e-9)
  res <- analyse(cal, sprintf(
    "calibrate(weights = %g, ~agesex + area, calfun = \"raking\", bounds = c(0, %g), maxit = 1000, epsilon = 1e-13)",
    total / N, cap))
  res$cap <- cap; res$bounds <- c(0, cap); res$weight_bound <- upper
  res$binding <- sum(abs(w - upper) < 1e-6 * upper)          # respondents at the cap
  res$uncapped_max_weight <- max(weights(r))
  res$weights <- setNames(as.list(w), d$id)
  capped[[length(capped) + 1]] <- res
}
write(list(generator = out$generator, cases = capped), "expected-capped.json")
cat("raked: max weight", max(weights(r)), "= ", max(weights(r)) / (total / N), "x mean\n")
for (cse in capped) cat("cap", cse$cap, ": at the cap", cse$binding, "\n")
