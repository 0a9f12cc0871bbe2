/**
 * productpage's HTML (templates/productpage.html and index.html of Istio's Bookinfo), rendered
 * without a template engine. The markup keeps the parts people and tests look for: the title
 * "Simple Bookstore App", the "Book Details" / "Book Reviews" headings, stars as
 * `glyphicon-star` inside `<font color="black|red">`, the "Error fetching product …" headings and
 * which reviews pod answered.
 */

export interface Product {
  readonly id: number;
  readonly title: string;
  readonly descriptionHtml: string;
}

export interface Review {
  readonly reviewer?: string;
  readonly text?: string;
  readonly rating?: { readonly stars?: number; readonly color?: string; readonly error?: string };
}

export interface PageModel {
  readonly product: Product;
  readonly detailsStatus: number;
  readonly details: Record<string, unknown>;
  readonly reviewsStatus: number;
  readonly reviews: { readonly reviews?: readonly Review[]; readonly podname?: string; readonly clustername?: string; readonly error?: string };
  readonly user: string;
}

export function escapeHtml(v: unknown): string {
  return String(v ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&#34;', "'": '&#39;' })[c]!);
}

function head(title: string): string {
  return `<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<meta http-equiv="X-UA-Compatible" content="IE=edge">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>${title}</title>
<link rel="stylesheet" href="static/bootstrap/css/bootstrap.min.css">
<link rel="stylesheet" href="static/bootstrap/css/bootstrap-theme.min.css">
</head>`;
}

function stars(rating: NonNullable<Review['rating']>): string {
  if (typeof rating.stars === 'number' && rating.stars > 0) {
    const n = Math.max(0, Math.min(5, Math.trunc(rating.stars)));
    const full = '\n          <span class="glyphicon glyphicon-star"></span>'.repeat(n);
    const empty = '\n          <span class="glyphicon glyphicon-star-empty"></span>'.repeat(5 - n);
    return `
        <font color="${escapeHtml(rating.color)}">
          <!-- full stars: -->${full}
          <!-- empty stars: -->${empty}
        </font>`;
  }
  if (rating.error) return `\n        <p><i>${escapeHtml(rating.error)}</i></p>`;
  return '';
}

function detailsBlock(m: PageModel): string {
  if (m.detailsStatus !== 200) {
    const err = m.details['error'] !== undefined ? `\n      <p>${escapeHtml(m.details['error'])}</p>` : '';
    return `      <h4 class="text-center text-primary">Error fetching product details!</h4>${err}`;
  }
  const d = m.details;
  return `      <h4 class="text-center text-primary">Book Details</h4>
      <dl>
        <dt>Type:</dt>${escapeHtml(d['type'])}
        <dt>Pages:</dt>${escapeHtml(d['pages'])}
        <dt>Publisher:</dt>${escapeHtml(d['publisher'])}
        <dt>Language:</dt>${escapeHtml(d['language'])}
        <dt>ISBN-10:</dt>${escapeHtml(d['ISBN-10'])}
        <dt>ISBN-13:</dt>${escapeHtml(d['ISBN-13'])}
      </dl>`;
}

function reviewsBlock(m: PageModel): string {
  if (m.reviewsStatus !== 200) {
    const err = m.reviews.error !== undefined ? `\n      <p>${escapeHtml(m.reviews.error)}</p>` : '';
    return `      <h4 class="text-center text-primary">Error fetching product reviews!</h4>${err}`;
  }
  const quotes = (m.reviews.reviews ?? [])
    .map(
      (r) => `
      <blockquote>
        <p>${escapeHtml(r.text)}</p>
        <small>${escapeHtml(r.reviewer)}</small>${r.rating ? stars(r.rating) : ''}
      </blockquote>`,
    )
    .join('');
  return `      <h4 class="text-center text-primary">Book Reviews</h4>${quotes}
      <dl>
        <dt>Reviews served by:</dt>
        <u>${escapeHtml(m.reviews.podname)}</u>${m.reviews.clustername && m.reviews.clustername !== 'null' ? `\n        <u>on cluster ${escapeHtml(m.reviews.clustername)}</u>` : ''}
      </dl>`;
}

export function renderProductPage(m: PageModel): string {
  const userBar = m.user
    ? `    <p class="navbar-text navbar-right">
      <i class="glyphicon glyphicon-user" aria-hidden="true"></i>
      <span style="padding-left: 5px;">${escapeHtml(m.user)} ( <a href="logout">sign out</a> )</span>
    </p>`
    : `    <button type="button" class="btn btn-default navbar-btn navbar-right" data-toggle="modal" href="#login-modal">Sign
      in</button>`;
  return `${head('Simple Bookstore App')}
<body>
<nav class="navbar navbar-inverse navbar-static-top">
  <div class="container">
    <div class="navbar-header">
      <a class="navbar-brand" href="#">BookInfo Sample</a>
    </div>
${userBar}
  </div>
</nav>

<div id="login-modal" class="modal fade" role="dialog">
  <div class="modal-dialog">
    <div class="modal-content">
      <div class="modal-header">
        <h4 class="modal-title">Please sign in</h4>
      </div>
      <div class="modal-body">
        <form method="post" action='login' name="login_form">
          <p><input type="text" class="form-control" name="username" id="username" placeholder="User Name"></p>
          <p><input type="password" class="form-control" name="passwd" placeholder="Password"></p>
          <p><button type="submit" class="btn btn-primary">Sign in</button></p>
        </form>
      </div>
    </div>
  </div>
</div>

<div class="container-fluid">
  <div class="row">
    <div class="col-md-12">
      <h3 class="text-center text-primary">${escapeHtml(m.product.title)}</h3>
      <p>Summary: ${m.product.descriptionHtml}</p>
    </div>
  </div>

  <div class="row">
    <div class="col-md-6">
${detailsBlock(m)}
    </div>

    <div class="col-md-6">
${reviewsBlock(m)}
    </div>
  </div>
</div>
</body>
</html>
`;
}

/** The index page: the service tree productpage calls, and links to the normal and test user views. */
export function renderIndex(services: readonly { readonly name: string; readonly endpoint: string; readonly children: readonly string[] }[]): string {
  const rows = services
    .map((s) => `      <tr><td>${escapeHtml(s.name)}</td><td>${escapeHtml(s.endpoint)}</td><td>${escapeHtml(s.children.join(', '))}</td></tr>`)
    .join('\n');
  return `${head('Simple Bookstore App')}
<body>
<div class="container">
  <div class="row">
    <div class="col-md-12">
      <h3>Hello! This is a simple bookstore application consisting of three services as shown below</h3>
    </div>
  </div>
  <div class="row">
    <div class="col-md-12">
    <table class="table table-condensed table-bordered table-hover">
      <tr><th>name</th><th>endpoint</th><th>children</th></tr>
${rows}
    </table>
    </div>
  </div>
  <div class="row">
    <div class="col-md-12">
      <h4>Click on one of the links below to auto generate a request to the backend as a real user or a tester</h4>
    </div>
  </div>
  <p><a href="/productpage?u=normal">Normal user</a></p>
  <p><a href="/productpage?u=test">Test user</a></p>
</div>
</body>
</html>
`;
}
