//! The HTML login page, shaped like MISP's (`default.ctp` layout + `login.ctp`): the
//! title, body data attributes, form and field ids that monitors look for. The markup is
//! the simulator's own.

/// Answer to a browser `GET /users/login`.
pub(crate) const LOGIN_PAGE: &str = r#"<!DOCTYPE html>
<html lang="en">
<head>
    <meta http-equiv="Content-Type" content="text/html; charset=utf-8" />
    <link rel="shortcut icon" href="/img/favicon.png" type="image/png" />
    <meta name="viewport" content="width=device-width, initial-scale=1.0" />
    <title>Users - MISP</title>
    <link rel="stylesheet" type="text/css" href="/css/bootstrap.css" />
    <link rel="stylesheet" type="text/css" href="/css/bootstrap-datepicker.css" />
    <link rel="stylesheet" type="text/css" href="/css/font-awesome.css" />
    <link rel="stylesheet" type="text/css" href="/css/main.css" />
    <link rel="stylesheet" type="text/css" href="/css/print.css" media="print" />
    <script type="text/javascript" src="/js/jquery.js"></script>
    <script type="text/javascript" src="/js/misp.js"></script>
</head>
<body data-controller="users" data-action="login">
    <div id="popover_form" class="ajax_popover_form"></div>
    <div id="popover_form_large" class="ajax_popover_form ajax_popover_form_large"></div>
    <div id="screenshot_box" class="screenshot_box"></div>
    <div id="confirmation_box" class="confirmation_box"></div>
    <div id="gray_out" class="gray_out"></div>
    <div id="container">
        <div id="flashContainer" style="padding-top:50px;">
            <div id="main-view-container" class="container-fluid"></div>
        </div>
        <div>
            <table style="margin-left:auto;margin-right:auto;">
                <tr>
                    <td style="text-align:right;width:250px;padding-right:50px"></td>
                    <td style="width:460px">
                        <span style="font-size:18px;">
                            <img src="/img/misp-logo-s-u.png" style="display:block;margin-left:auto;margin-right:auto;" alt="MISP" />
                        </span>
                        <div style="text-align:center;margin-bottom:1em;">Malware Information Sharing Platform &amp; Threat Sharing</div>
                        <form action="/users/login" id="UserLoginForm" method="post" accept-charset="utf-8">
                            <div style="display:none;"><input type="hidden" name="_method" value="POST" /><input type="hidden" name="data[_Token][key]" value="8c3f0a51d2e94b7f6a1c0e5d9b2f4a7c1e3d5f7a9b0c2e4f6a8b1d3e5f7a9c0b" autocomplete="off" id="Token1843027566" /></div>
                            <fieldset>
                                <legend>Login</legend>
                                <div class="input email required"><label for="UserEmail">Email</label><input name="data[User][email]" autocomplete="off" class="input-xxlarge" maxlength="255" type="email" id="UserEmail" required="required" /></div>
                                <div class="input password required"><label for="UserPassword">Password</label><input name="data[User][password]" autocomplete="off" class="input-xxlarge" type="password" id="UserPassword" required="required" /></div>
                                <div class="clear"></div>
                            </fieldset>
                            <button class="btn btn-primary" type="submit">Login</button>
                            <div style="display:none;"><input type="hidden" name="data[_Token][fields]" value="5d2b7e0c4a9f1e3b6c8d0a2f4e6b8c1d3f5a7e9b%3A" autocomplete="off" id="TokenFields502187734" /><input type="hidden" name="data[_Token][unlocked]" value="" autocomplete="off" id="TokenUnlocked1290366145" /></div>
                        </form>
                    </td>
                    <td style="width:250px;padding-left:50px"></td>
                </tr>
            </table>
        </div>
    </div>
    <script>
        $(function() {
            $('#UserLoginForm').submit(function(event) {
                event.preventDefault();
                submitLoginForm();
            });
        });
        function submitLoginForm() {
            var $form = $('#UserLoginForm');
            var email = $form.find('#UserEmail').val();
            var password = $form.find('#UserPassword').val();
            if (!email || !password) {
                return false;
            }
            $form.off('submit').submit();
        }
    </script>
</body>
</html>
"#;
